-- The web console's tables (packages/web): accounts, sessions, API tokens,
-- and the original's service descriptions ModIDConfig / CmdIDConfig.
--
-- Secrets are never stored: a password as its scrypt hash with a per-user
-- salt and the cost parameters it was hashed with (so the cost can be raised
-- later without breaking old hashes); a session id and an API token as the
-- SHA-256 of the random token the browser or the script holds (a stolen
-- database dump does not log anyone in).
--
-- Every statement may be run again: CREATE ... IF NOT EXISTS, ADD COLUMN IF
-- NOT EXISTS. No daemon but the console reads these tables, so older DNS,
-- reporter and agent versions keep running against this schema.
--
-- lars:min_daemon_version 0.0.0

-- One row per console user. role is checked by the console (accounts.ts
-- ROLES); the CHECK keeps a hand-written row from holding anything else.
CREATE TABLE IF NOT EXISTS WebUser (
  id            INT UNSIGNED    NOT NULL AUTO_INCREMENT,
  name          VARCHAR(64)     NOT NULL,
  role          VARCHAR(16)     NOT NULL,
  password_hash VARBINARY(64)   NOT NULL,
  password_salt VARBINARY(32)   NOT NULL,
  -- scrypt cost as `N=<n>,r=<r>,p=<p>,len=<bytes>`.
  password_params VARCHAR(64)   NOT NULL,
  created       BIGINT UNSIGNED NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY uk_web_user_name (name),
  CONSTRAINT ck_web_user_role CHECK (role IN ('viewer', 'editor', 'admin'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- A logged-in browser. id is SHA-256 of the cookie's token; csrf_secret is
-- the session's CSRF secret (@fastify/csrf-protection); times are unix ms.
-- Deleting a user deletes their sessions (ON DELETE CASCADE).
CREATE TABLE IF NOT EXISTS WebSession (
  id          BINARY(32)      NOT NULL,
  user_id     INT UNSIGNED    NOT NULL,
  csrf_secret VARCHAR(64)     NOT NULL,
  created     BIGINT UNSIGNED NOT NULL,
  last_seen   BIGINT UNSIGNED NOT NULL,
  expires     BIGINT UNSIGNED NOT NULL,
  address     VARCHAR(64)     NOT NULL DEFAULT '',
  PRIMARY KEY (id),
  KEY ix_web_session_user (user_id),
  KEY ix_web_session_expires (expires),
  CONSTRAINT fk_web_session_user FOREIGN KEY (user_id) REFERENCES WebUser (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- An API token for automation, acting with its owner's role. token_hash is
-- SHA-256 of the token; last_used is unix ms (0: never).
CREATE TABLE IF NOT EXISTS ApiToken (
  id         INT UNSIGNED    NOT NULL AUTO_INCREMENT,
  user_id    INT UNSIGNED    NOT NULL,
  name       VARCHAR(64)     NOT NULL,
  token_hash BINARY(32)      NOT NULL,
  created    BIGINT UNSIGNED NOT NULL,
  last_used  BIGINT UNSIGNED NOT NULL DEFAULT 0,
  PRIMARY KEY (id),
  UNIQUE KEY uk_api_token_hash (token_hash),
  UNIQUE KEY uk_api_token_name (user_id, name),
  CONSTRAINT fk_api_token_user FOREIGN KEY (user_id) REFERENCES WebUser (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The original's service descriptions, kept: id, modid (or modid and cmdid),
-- content (the description). The original larsWeb creates them; on a
-- database that has them already the CREATE changes nothing and the columns
-- Lars-TS adds (name, owner) are appended after the original's, so the
-- original's pages, which name their columns, keep working.
CREATE TABLE IF NOT EXISTS ModIDConfig (
  id      INT          NOT NULL AUTO_INCREMENT,
  modid   INT          NOT NULL,
  content VARCHAR(1024) NOT NULL DEFAULT '',
  PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE IF NOT EXISTS CmdIDConfig (
  id      INT          NOT NULL AUTO_INCREMENT,
  modid   INT          NOT NULL,
  cmdid   INT          NOT NULL,
  content VARCHAR(1024) NOT NULL DEFAULT '',
  PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

ALTER TABLE ModIDConfig
  ADD COLUMN IF NOT EXISTS name  VARCHAR(128) NOT NULL DEFAULT '',
  ADD COLUMN IF NOT EXISTS owner VARCHAR(128) NOT NULL DEFAULT '';

ALTER TABLE CmdIDConfig
  ADD COLUMN IF NOT EXISTS name  VARCHAR(128) NOT NULL DEFAULT '',
  ADD COLUMN IF NOT EXISTS owner VARCHAR(128) NOT NULL DEFAULT '';
