-- Draining a host without deleting it, and the history of route changes.
--
-- RouteData.disabled: 1 keeps the host in its route but the Lars-TS DNS no
-- longer serves it (it leaves the DNS's answer and is pushed like a deleted
-- host); 0 serves it again. It is the LAST column, so the original C++ DNS,
-- which reads RouteData with SELECT * by position, keeps working; it ignores
-- the flag and serves disabled hosts, as does a Lars-TS DNS older than this
-- migration. The flag is an addition every older daemon runs with, hence
-- min_daemon_version 0.0.0.
--
-- RouteAudit: one row per route changed by a route change (the store's
-- changeRoutes, in the same transaction), written by the route tool and the
-- console. RouteChange is not history: the DNS reads and deletes it.
--
-- Every statement may be run again: ADD COLUMN / KEY IF NOT EXISTS, CREATE
-- TABLE IF NOT EXISTS.
--
-- lars:min_daemon_version 0.0.0

-- ADD COLUMN without AFTER appends: the five original columns keep their
-- positions. The key serves the DNS's query of the (few) disabled hosts, so
-- its full-table load stays the covering scan of uk_route_host.
ALTER TABLE RouteData
  ADD COLUMN IF NOT EXISTS disabled TINYINT(1) NOT NULL DEFAULT 0,
  ADD KEY IF NOT EXISTS idx_route_disabled (disabled);

-- One row per changed route per change. The host lists are JSON arrays of
-- "a.b.c.d:port" (readable in the mysql client; a whole-route replace of
-- thousands of hosts stays one row, hence MEDIUMTEXT). One row per route
-- rather than per host: the history is read a change at a time, and the
-- rows of one change share its version. at is UTC.
CREATE TABLE IF NOT EXISTS RouteAudit (
  id             BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  at             DATETIME(3)     NOT NULL,
  actor          VARCHAR(255)    NOT NULL,
  source         VARCHAR(512)    NOT NULL,
  modid          INT             NOT NULL,
  cmdid          INT             NOT NULL,
  hosts_added    MEDIUMTEXT      NOT NULL,
  hosts_removed  MEDIUMTEXT      NOT NULL,
  hosts_disabled MEDIUMTEXT      NOT NULL,
  hosts_enabled  MEDIUMTEXT      NOT NULL,
  version        BIGINT UNSIGNED NOT NULL,
  PRIMARY KEY (id),
  KEY idx_route_audit_route (modid, cmdid, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;
