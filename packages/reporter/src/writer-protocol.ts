import type { MysqlSettings } from '@lars/store';
import type { BackoffOptions, HeartbeatSlot } from '@lars/reactor';

/** ThreadPoolOptions.workerData of the reporter's writers. */
export interface WriterData {
  mysql: MysqlSettings;
  /** SharedCounters over WRITER_COUNTERS, one row per writer. */
  counters: SharedArrayBuffer;
  /** Queue records gathered into one INSERT at most. */
  batchRecords: number;
  connectTimeoutMs: number;
  backoff: BackoffOptions;
  /** At most one failed-write line per MySQL error code per this many ms. */
  warnIntervalMs: number;
  /** Each writer's slot on the reporter's HeartbeatBoard (index = writer), and how often it beats. */
  heartbeats: HeartbeatSlot[];
  heartbeatIntervalMs: number;
  /** SharedHistograms over BATCH_WRITE_SECONDS_BOUNDS and BATCH_ROWS_BOUNDS: one record per batch MySQL took. */
  batchSeconds: SharedArrayBuffer;
  batchRows: SharedArrayBuffer;
}

/**
 * What each writer counts, in its own row. mysqlUp: 1 after a batch
 * succeeded, 0 after one failed, -1 before any.
 */
export const WRITER_COUNTERS = ['rowsWritten', 'batches', 'batchFailures', 'mysqlUp'] as const;
