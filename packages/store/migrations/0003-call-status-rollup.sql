-- The reporter's call-status history for the console's chart: one row per
-- (route, host, caller, bucket), where `minute` is the bucket's start in unix
-- seconds (the agent's clock, snapshot ts rounded down to `[reporter]
-- rollup_interval`, 60 s by default). succ and err are the calls first seen
-- in that bucket, counted once each (packages/reporter/src/rollup-counter.ts
-- says how); overload is '1' when any snapshot of the bucket said so.
-- The primary key makes every write an upsert that adds to the bucket. The
-- reporter deletes rows past `[reporter] rollup_retention` in small batches
-- (the secondary key on `minute` makes that a range scan).
--
-- lars:min_daemon_version 0.0.0

CREATE TABLE IF NOT EXISTS CallStatusMinute (
  modid    INT          NOT NULL,
  cmdid    INT          NOT NULL,
  ip       INT UNSIGNED NOT NULL,
  port     INT UNSIGNED NOT NULL,
  caller   INT UNSIGNED NOT NULL,
  minute   INT UNSIGNED NOT NULL,
  succ     BIGINT UNSIGNED NOT NULL DEFAULT 0,
  err      BIGINT UNSIGNED NOT NULL DEFAULT 0,
  overload CHAR(1)      NOT NULL DEFAULT '0',
  PRIMARY KEY (modid, cmdid, ip, port, caller, minute),
  KEY k_minute (minute)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

-- The stale-row sweep of ServerCallStatus looks rows up by ts.
ALTER TABLE ServerCallStatus ADD KEY IF NOT EXISTS k_ts (ts);
