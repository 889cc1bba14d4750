-- The Lars route store schema as the migrations in packages/store/migrations
-- produce it: SHOW CREATE TABLE of a freshly migrated database.
-- Generated documentation, checked by packages/store/test/migrations.test.ts:
-- do not edit it and do not load it; apply the schema with
--   ./run_lars.sh db migrate
-- After adding a migration, regenerate this file with
--   pnpm exec vitest run packages/store/test/migrations.test.ts -u

CREATE TABLE `RouteChange` (
  `id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  `modid` int(11) NOT NULL,
  `cmdid` int(11) NOT NULL,
  `version` bigint(20) unsigned NOT NULL,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `RouteData` (
  `id` int(10) unsigned NOT NULL AUTO_INCREMENT,
  `modid` int(11) NOT NULL,
  `cmdid` int(11) NOT NULL,
  `serverip` int(10) unsigned NOT NULL,
  `serverport` int(10) unsigned NOT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `uk_route_host` (`modid`,`cmdid`,`serverip`,`serverport`)
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
  PRIMARY KEY (`modid`,`cmdid`,`ip`,`port`,`caller`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;
