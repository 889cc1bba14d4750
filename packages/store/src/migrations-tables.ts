// The runner's own two tables. They are created by the runner before it
// takes the lock (the lock lives in one of them), never by a migration, and
// like every Lars table they have a primary key (Galera requires one).

export const SCHEMA_VERSION_TABLE = 'SchemaVersion';
export const SCHEMA_LOCK_TABLE = 'SchemaLock';
/** The lock table's one row. */
export const SCHEMA_LOCK_ID = 1;

/** Run in order, each safe to run again and concurrently with another runner. */
export const BOOTSTRAP_SQL = [
  // One row per applied migration. min_daemon_version is the oldest daemon
  // release that still runs against the schema with this migration applied;
  // a daemon refuses to start below the highest one recorded.
  `CREATE TABLE IF NOT EXISTS ${SCHEMA_VERSION_TABLE} (
  version            INT UNSIGNED NOT NULL,
  name               VARCHAR(100) NOT NULL,
  checksum           CHAR(64)     NOT NULL,
  min_daemon_version VARCHAR(32)  NOT NULL,
  applied_at         DATETIME(3)  NOT NULL,
  applied_by         VARCHAR(255) NOT NULL,
  PRIMARY KEY (version)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci`,
  // A single row held by at most one runner. GET_LOCK and LOCK TABLES do not
  // replicate under Galera; a conditional UPDATE of one row does. Times are UTC.
  `CREATE TABLE IF NOT EXISTS ${SCHEMA_LOCK_TABLE} (
  id         TINYINT UNSIGNED NOT NULL,
  owner      VARCHAR(255)     NULL,
  expires_at DATETIME(3)      NULL,
  PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci`,
  `INSERT IGNORE INTO ${SCHEMA_LOCK_TABLE} (id, owner, expires_at) VALUES (${SCHEMA_LOCK_ID}, NULL, NULL)`,
] as const;
