-- Lars route DNS schema. Re-runnable (IF NOT EXISTS / INSERT IGNORE) and
-- database-agnostic: run it with the target database selected (the local
-- MySQL script uses lars_dns, tests use lars_test_<random>).

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
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- Single row (id = 1) bumped by every route change; the DNS polls it.
CREATE TABLE IF NOT EXISTS RouteVersion (
  id      INT          NOT NULL,
  version INT UNSIGNED NOT NULL DEFAULT 0,
  PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

INSERT IGNORE INTO RouteVersion (id, version) VALUES (1, 0);

-- One row per changed route key, tagged with the RouteVersion it produced.
CREATE TABLE IF NOT EXISTS RouteChange (
  id      BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  modid   INT             NOT NULL,
  cmdid   INT             NOT NULL,
  version BIGINT UNSIGNED NOT NULL,
  PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

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
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
