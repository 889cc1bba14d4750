-- RouteChange read by any number of DNS: each keeps its own cursor by
-- version and nothing deletes rows on read; a retention sweep deletes rows
-- by age instead.
--
-- ctime: when the row was inserted, by MySQL's clock (a tool that inserts
-- the three original columns gets it by default). It is the LAST column, so
-- whatever reads RouteChange by position keeps working. The version key
-- serves each DNS's read of the rows at or above its cursor, the ctime key
-- the sweep.
--
-- An original C++ DNS, or a Lars-TS DNS before this release, deletes the
-- RouteChange rows it reads: a DNS of this release sharing the database
-- with one misses those pushes until its next full reload
-- ([dns] reload_interval). The docs say not to mix them on one database.
-- They still run on this schema, hence min_daemon_version 0.0.0.
--
-- Every statement may be run again (IF NOT EXISTS).
--
-- lars:min_daemon_version 0.0.0

ALTER TABLE RouteChange
  ADD COLUMN IF NOT EXISTS ctime DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  ADD KEY IF NOT EXISTS idx_route_change_version (version),
  ADD KEY IF NOT EXISTS idx_route_change_ctime (ctime);
