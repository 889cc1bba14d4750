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
 * statement byte budget in force.
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
] as const;
