import { healthReport, type HealthReport, type SharedCounters } from '@lars/reactor';
import type { WRITER_COUNTERS } from './writer-protocol.js';

type WriterCounters = SharedCounters<(typeof WRITER_COUNTERS)[number]>;

/**
 * Writers without an open MySQL connection (mysqlUp is the connections'
 * state, not a batch's outcome): down while one cannot connect, and before
 * its first connect attempt.
 */
export function writersMysqlDown(counters: WriterCounters): number[] {
  return Array.from({ length: counters.rows }, (_, i) => i).filter((i) => counters.get(i, 'mysqlUp') !== 1);
}

/** Writers retrying a batch MySQL did not take (a lock wait, a missing table, a lost connection). */
export function writersFailing(counters: WriterCounters): number[] {
  return Array.from({ length: counters.rows }, (_, i) => i).filter((i) => counters.get(i, 'writeFailing') === 1);
}

/**
 * The reporter's readiness: every writer thread runs (a dead one's routes
 * are refused), every writer is connected to MySQL, and none is stuck
 * retrying a batch (reports then only queue, up to the bound, and the oldest
 * get dropped).
 */
export function writerReadiness(counters: WriterCounters, alive: number): HealthReport {
  const writers = counters.rows;
  const down = writersMysqlDown(counters);
  const failing = writersFailing(counters);
  return healthReport({
    writers: { ok: alive === writers, detail: `${alive} of ${writers} writer threads running` },
    mysql:
      down.length === 0
        ? { ok: true, detail: 'every writer is connected' }
        : { ok: false, detail: `writer ${down.join(', ')} not connected to MySQL; retrying with backoff` },
    writes:
      failing.length === 0
        ? { ok: true, detail: 'no writer is retrying a batch' }
        : { ok: false, detail: `writer ${failing.join(', ')} retrying a batch MySQL did not take` },
  });
}
