import type { MysqlSettings } from '@lars/store';
import type { BackoffOptions, HeartbeatSlot } from '@lars/reactor';

/** ThreadPoolOptions.workerData of the reporter's writers. */
export interface WriterData {
  mysql: MysqlSettings;
  /** SharedCounters over WRITER_COUNTERS, one row per writer. */
  counters: SharedArrayBuffer;
  /** Queue records gathered into one batch at most. */
  batchRecords: number;
  /** Byte budget of one statement; 0: the server's max_allowed_packet (read at connect) less STATEMENT_HEADROOM_BYTES. */
  maxStatementBytes: number;
  /** SESSION innodb_lock_wait_timeout of the writers' connections (seconds); null keeps the server's. */
  lockWaitTimeoutS: number | null;
  connectTimeoutMs: number;
  backoff: BackoffOptions;
  /** At most one line per MySQL error code (per kind: connect, write, refused row) per this many ms. */
  warnIntervalMs: number;
  /** Each writer's slot on the reporter's HeartbeatBoard (index = writer), and how often it beats. */
  heartbeats: HeartbeatSlot[];
  heartbeatIntervalMs: number;
  /** SharedHistograms over BATCH_WRITE_SECONDS_BOUNDS and BATCH_ROWS_BOUNDS: one record per statement MySQL took. */
  batchSeconds: SharedArrayBuffer;
  batchRows: SharedArrayBuffer;
  /** One Int32 (WriterControl): the main thread sets ABANDON at the close deadline and notifies. */
  control: SharedArrayBuffer;
  /** The per-bucket rollup (CallStatusMinute, rollup-counter.ts); null: `[reporter] rollup = off`. */
  rollup: { intervalS: number; stateTtlMs: number; flushMs: number } | null;
  /** The sweep of old rows: writer 0 alone runs it (one sweeper per reporter). */
  prune: PruneSettings;
}

/** The sweep (writer 0): every intervalMs, DELETEs of at most batchRows rows each, pauseMs apart. */
export interface PruneSettings {
  intervalMs: number;
  batchRows: number;
  pauseMs: number;
  /** CallStatusMinute buckets older than this (seconds); null when the rollup is off. */
  rollupRetentionS: number | null;
  /** ServerCallStatus rows not reported for this long (seconds). */
  statusMaxAgeS: number;
  /** ServerCallStatus rows of hosts in no route, not reported for this long (seconds). */
  orphanGraceS: number;
}

/** Values of WriterData.control[0]. */
export const WriterControl = {
  RUN: 0,
  /** The close deadline passed: stop retrying, count what is left as unwritten, exit. */
  ABANDON: 1,
} as const;

/**
 * Room left in max_allowed_packet beside the statement text (the packet's
 * command byte, and a margin for a server counting slightly differently).
 */
export const STATEMENT_HEADROOM_BYTES = 1024;

/** The statement budget before the first connect has read the server's limit (MySQL's smallest default is 1 MiB). */
export const STATEMENT_BYTES_BEFORE_CONNECT = 1024 * 1024 - STATEMENT_HEADROOM_BYTES;

/**
 * What each writer counts, in its own row. mysqlUp: 1 while its connection
 * is open, 0 while it cannot connect, -1 before its first attempt.
 * writeFailing: 1 while a batch is being retried. maxAllowedPacket and
 * statementBudget: the server's limit read at the last connect, and the
 * statement byte budget in force. rollup*: the rollup's rows written or lost
 * (refused by MySQL, or unwritten at the close deadline) and its snapshot
 * decisions (rollup-counter.ts); *Pruned, prune*: the sweep (writer 0).
 */
export const WRITER_COUNTERS = [
  'rowsWritten',
  'batches',
  'batchFailures',
  'mysqlUp',
  'writeFailing',
  'rowsRefused',
  'statementSplits',
  'rowsUnwritten',
  'maxAllowedPacket',
  'statementBudget',
  'rollupRowsWritten',
  'rollupRowsLost',
  'rollupPending',
  'rollupDuplicates',
  'rollupOlder',
  'rollupResets',
  'rollupRowsPruned',
  'statusRowsPruned',
  'prunePasses',
  'pruneFailures',
] as const;
