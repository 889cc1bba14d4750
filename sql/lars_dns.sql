-- The Lars route store schema as the migrations in packages/store/migrations
-- produce it: SHOW CREATE TABLE of a freshly migrated database.
-- Generated documentation, checked by packages/store/test/migrations.test.ts:
-- do not edit it and do not load it; apply the schema with
--   ./run_lars.sh db migrate
-- After adding a migration, regenerate this file with
--   pnpm exec vitest run packages/store/test/migrations.test.ts -u

CREATE TABLE `ApiToken` (
  `id` int(10) unsigned NOT NULL AUTO_INCREMENT,
  `user_id` int(10) unsigned NOT NULL,
  `name` varchar(64) NOT NULL,
  `token_hash` binary(32) NOT NULL,
  `created` bigint(20) unsigned NOT NULL,
  `last_used` bigint(20) unsigned NOT NULL DEFAULT 0,
  PRIMARY KEY (`id`),
  UNIQUE KEY `uk_api_token_hash` (`token_hash`),
  UNIQUE KEY `uk_api_token_name` (`user_id`,`name`),
  CONSTRAINT `fk_api_token_user` FOREIGN KEY (`user_id`) REFERENCES `WebUser` (`id`) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE `CallStatusMinute` (
  `modid` int(11) NOT NULL,
  `cmdid` int(11) NOT NULL,
  `ip` int(10) unsigned NOT NULL,
  `port` int(10) unsigned NOT NULL,
  `caller` int(10) unsigned NOT NULL,
  `minute` int(10) unsigned NOT NULL,
  `succ` bigint(20) unsigned NOT NULL DEFAULT 0,
  `err` bigint(20) unsigned NOT NULL DEFAULT 0,
  `overload` char(1) NOT NULL DEFAULT '0',
  PRIMARY KEY (`modid`,`cmdid`,`ip`,`port`,`caller`,`minute`),
  KEY `k_minute` (`minute`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `CmdIDConfig` (
  `id` int(11) NOT NULL AUTO_INCREMENT,
  `modid` int(11) NOT NULL,
  `cmdid` int(11) NOT NULL,
  `content` varchar(1024) NOT NULL DEFAULT '',
  `name` varchar(128) NOT NULL DEFAULT '',
  `owner` varchar(128) NOT NULL DEFAULT '',
  PRIMARY KEY (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `ModIDConfig` (
  `id` int(11) NOT NULL AUTO_INCREMENT,
  `modid` int(11) NOT NULL,
  `content` varchar(1024) NOT NULL DEFAULT '',
  `name` varchar(128) NOT NULL DEFAULT '',
  `owner` varchar(128) NOT NULL DEFAULT '',
  PRIMARY KEY (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `RouteAudit` (
  `id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  `at` datetime(3) NOT NULL,
  `actor` varchar(255) NOT NULL,
  `source` varchar(512) NOT NULL,
  `modid` int(11) NOT NULL,
  `cmdid` int(11) NOT NULL,
  `hosts_added` mediumtext NOT NULL,
  `hosts_removed` mediumtext NOT NULL,
  `hosts_disabled` mediumtext NOT NULL,
  `hosts_enabled` mediumtext NOT NULL,
  `version` bigint(20) unsigned NOT NULL,
  PRIMARY KEY (`id`),
  KEY `idx_route_audit_route` (`modid`,`cmdid`,`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `RouteChange` (
  `id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  `modid` int(11) NOT NULL,
  `cmdid` int(11) NOT NULL,
  `version` bigint(20) unsigned NOT NULL,
  `ctime` datetime NOT NULL DEFAULT current_timestamp(),
  PRIMARY KEY (`id`),
  KEY `idx_route_change_version` (`version`),
  KEY `idx_route_change_ctime` (`ctime`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `RouteData` (
  `id` int(10) unsigned NOT NULL AUTO_INCREMENT,
  `modid` int(11) NOT NULL,
  `cmdid` int(11) NOT NULL,
  `serverip` int(10) unsigned NOT NULL,
  `serverport` int(10) unsigned NOT NULL,
  `disabled` tinyint(1) NOT NULL DEFAULT 0,
  PRIMARY KEY (`id`),
  UNIQUE KEY `uk_route_host` (`modid`,`cmdid`,`serverip`,`serverport`),
  KEY `idx_route_disabled` (`disabled`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `RouteVersion` (
  `id` int(11) NOT NULL,
  `version` int(10) unsigned NOT NULL DEFAULT 0,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `SchemaLock` (
  `id` tinyint(3) unsigned NOT NULL,
  `owner` varchar(255) DEFAULT NULL,
  `expires_at` datetime(3) DEFAULT NULL,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `SchemaVersion` (
  `version` int(10) unsigned NOT NULL,
  `name` varchar(100) NOT NULL,
  `checksum` char(64) NOT NULL,
  `min_daemon_version` varchar(32) NOT NULL,
  `applied_at` datetime(3) NOT NULL,
  `applied_by` varchar(255) NOT NULL,
  PRIMARY KEY (`version`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `ServerCallStatus` (
  `modid` int(11) NOT NULL,
  `cmdid` int(11) NOT NULL,
  `ip` int(10) unsigned NOT NULL,
  `port` int(10) unsigned NOT NULL,
  `caller` int(10) unsigned NOT NULL,
  `succ_cnt` int(10) unsigned NOT NULL DEFAULT 0,
  `err_cnt` int(10) unsigned NOT NULL DEFAULT 0,
  `ts` int(10) unsigned NOT NULL DEFAULT 0,
  `overload` char(1) NOT NULL DEFAULT '0',
  PRIMARY KEY (`modid`,`cmdid`,`ip`,`port`,`caller`),
  KEY `k_ts` (`ts`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `WebSession` (
  `id` binary(32) NOT NULL,
  `user_id` int(10) unsigned NOT NULL,
  `csrf_secret` varchar(64) NOT NULL,
  `created` bigint(20) unsigned NOT NULL,
  `last_seen` bigint(20) unsigned NOT NULL,
  `expires` bigint(20) unsigned NOT NULL,
  `address` varchar(64) NOT NULL DEFAULT '',
  PRIMARY KEY (`id`),
  KEY `ix_web_session_user` (`user_id`),
  KEY `ix_web_session_expires` (`expires`),
  CONSTRAINT `fk_web_session_user` FOREIGN KEY (`user_id`) REFERENCES `WebUser` (`id`) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE `WebUser` (
  `id` int(10) unsigned NOT NULL AUTO_INCREMENT,
  `name` varchar(64) NOT NULL,
  `role` varchar(16) NOT NULL,
  `password_hash` varbinary(64) NOT NULL,
  `password_salt` varbinary(32) NOT NULL,
  `password_params` varchar(64) NOT NULL,
  `created` bigint(20) unsigned NOT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `uk_web_user_name` (`name`),
  CONSTRAINT `ck_web_user_role` CHECK (`role` in ('viewer','editor','admin'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
