-- The Lars-TS route store as of 0.2.0, from an empty database or from the
-- original C++ Lars schema ("version 0": RouteData without the unique host
-- key and possibly holding a host twice, ServerCallStatus.ip/caller signed
-- int(11) holding addresses >= 128.0.0.0 as negative numbers).
--
-- Every statement may be run again after the migration stopped half way
-- (MySQL commits each DDL statement on its own): CREATE ... IF NOT EXISTS,
-- MODIFY to a fixed type, IF [NOT] EXISTS on keys, data fixes that find
-- nothing left to fix. Columns keep their positions: the original DNS reads
-- RouteData with SELECT * by position, the original reporter names its
-- ServerCallStatus columns. Tables of the original that Lars-TS does not use
-- (ModIDConfig, CmdIDConfig) are left as they are.
--
-- lars:min_daemon_version 0.0.0

-- One row per host of a route. The unique key makes adding a host twice a
-- no-op instead of a duplicate (a fix over the original schema).
CREATE TABLE IF NOT EXISTS RouteData (
  id         INT UNSIGNED NOT NULL AUTO_INCREMENT,
  modid      INT          NOT NULL,
  cmdid      INT          NOT NULL,
  serverip   INT UNSIGNED NOT NULL,
  serverport INT UNSIGNED NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY uk_route_host (modid, cmdid, serverip, serverport)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

-- Single row (id = 1) bumped by every route change; the DNS polls it.
CREATE TABLE IF NOT EXISTS RouteVersion (
  id      INT          NOT NULL,
  version INT UNSIGNED NOT NULL DEFAULT 0,
  PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

-- One row per changed route key, tagged with the RouteVersion it produced.
CREATE TABLE IF NOT EXISTS RouteChange (
  id      BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  modid   INT             NOT NULL,
  cmdid   INT             NOT NULL,
  version BIGINT UNSIGNED NOT NULL,
  PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

-- The reporter's call statistics. ip and caller are unsigned: the original's
-- signed int(11) cannot hold addresses such as 3232235953 in strict mode.
CREATE TABLE IF NOT EXISTS ServerCallStatus (
  modid    INT          NOT NULL,
  cmdid    INT          NOT NULL,
  ip       INT UNSIGNED NOT NULL,
  port     INT UNSIGNED NOT NULL,
  caller   INT UNSIGNED NOT NULL,
  succ_cnt INT UNSIGNED NOT NULL DEFAULT 0,
  err_cnt  INT UNSIGNED NOT NULL DEFAULT 0,
  ts       INT UNSIGNED NOT NULL DEFAULT 0,
  overload CHAR(1)      NOT NULL DEFAULT '0',
  PRIMARY KEY (modid, cmdid, ip, port, caller)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

-- From here on: the original schema's tables brought to the definitions
-- above (on a database created above, each statement changes nothing).

-- A host listed twice in a route keeps its first row (lowest id). The
-- derived table is materialised, so this is one pass, not a self-join.
-- lars:count duplicate_hosts_removed
DELETE FROM RouteData WHERE id NOT IN (
  SELECT keep_id FROM (
    SELECT MIN(id) AS keep_id FROM RouteData GROUP BY modid, cmdid, serverip, serverport
  ) AS first_rows
);

ALTER TABLE RouteData
  MODIFY id INT UNSIGNED NOT NULL AUTO_INCREMENT,
  MODIFY modid INT NOT NULL,
  MODIFY cmdid INT NOT NULL,
  MODIFY serverip INT UNSIGNED NOT NULL,
  MODIFY serverport INT UNSIGNED NOT NULL,
  ADD UNIQUE KEY IF NOT EXISTS uk_route_host (modid, cmdid, serverip, serverport),
  DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

ALTER TABLE RouteVersion
  MODIFY id INT NOT NULL,
  MODIFY version INT UNSIGNED NOT NULL DEFAULT 0,
  DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

INSERT IGNORE INTO RouteVersion (id, version) VALUES (1, 0);

ALTER TABLE RouteChange
  MODIFY id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  MODIFY modid INT NOT NULL,
  MODIFY cmdid INT NOT NULL,
  MODIFY version BIGINT UNSIGNED NOT NULL,
  DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

-- Negative addresses x become x + 2^32. A negative value cannot be stored
-- unsigned, so: widen to BIGINT (holds both), convert, then narrow to INT
-- UNSIGNED. Stopped anywhere in between, the three steps run again cleanly.
ALTER TABLE ServerCallStatus
  MODIFY ip BIGINT NOT NULL,
  MODIFY caller BIGINT NOT NULL;

-- lars:count negative_ip_converted
UPDATE ServerCallStatus SET ip = ip + 4294967296 WHERE ip < 0;

-- lars:count negative_caller_converted
UPDATE ServerCallStatus SET caller = caller + 4294967296 WHERE caller < 0;

ALTER TABLE ServerCallStatus
  MODIFY modid INT NOT NULL,
  MODIFY cmdid INT NOT NULL,
  MODIFY ip INT UNSIGNED NOT NULL,
  MODIFY port INT UNSIGNED NOT NULL,
  MODIFY caller INT UNSIGNED NOT NULL,
  MODIFY succ_cnt INT UNSIGNED NOT NULL DEFAULT 0,
  MODIFY err_cnt INT UNSIGNED NOT NULL DEFAULT 0,
  MODIFY ts INT UNSIGNED NOT NULL DEFAULT 0,
  MODIFY overload CHAR(1) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci NOT NULL DEFAULT '0',
  DROP INDEX IF EXISTS mlb_index,
  DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;
