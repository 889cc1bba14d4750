import type { MysqlSettings } from '@lars/store';
import type { BackoffOptions } from '@lars/reactor';

/** ThreadPoolOptions.workerData of the reporter's writers. */
export interface WriterData {
  mysql: MysqlSettings;
  /** SharedCounters over WRITER_COUNTERS, one row per writer. */
  counters: SharedArrayBuffer;
  /** Queue records gathered into one INSERT at most. */
  batchRecords: number;
  connectTimeoutMs: number;
  backoff: BackoffOptions;
}

/**
 * What each writer counts, in its own row. mysqlUp: 1 after a batch
 * succeeded, 0 after one failed, -1 before any.
 */
export const WRITER_COUNTERS = ['rowsWritten', 'batches', 'batchFailures', 'mysqlUp'] as const;
