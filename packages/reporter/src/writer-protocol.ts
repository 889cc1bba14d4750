import type { MysqlSettings } from '@lars/dns';
import type { BackoffOptions } from '@lars/reactor';

/** ThreadPoolOptions.workerData of the reporter's writers. */
export interface WriterData {
  mysql: MysqlSettings;
  /** createWriterCounters(threads). */
  counters: SharedArrayBuffer;
  /** Queue records gathered into one INSERT at most. */
  batchRecords: number;
  connectTimeoutMs: number;
  backoff: BackoffOptions;
}
