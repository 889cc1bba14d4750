// The rollup and sweep options of the ReporterServer (`[reporter] rollup`,
// rollup_interval, rollup_flush, rollup_retention, status_max_age), checked once and
// turned into the writers' WriterData.rollup and .prune.
import { checkOption } from '@lars/wire';
import type { WriterData } from './writer-protocol.js';

export interface RollupOptions {
  /** `[reporter] rollup`: keep per-bucket call counts in CallStatusMinute (rollup-counter.ts). */
  rollup?: boolean;
  /** `[reporter] rollup_interval`: seconds per CallStatusMinute bucket (1 .. 3600). */
  rollupIntervalS?: number;
  /** `[reporter] rollup_retention`: seconds a bucket is kept (>= 60). */
  rollupRetentionS?: number;
  /** `[reporter] status_max_age`: ServerCallStatus rows not reported for this many seconds are deleted (>= 60). */
  statusMaxAgeS?: number;
  /**
   * ServerCallStatus rows of a host no route in RouteData holds are deleted
   * once not reported for this many seconds (agents keep reporting a removed
   * host until they pull the route again).
   */
  orphanGraceS?: number;
  /**
   * `[reporter] rollup_flush`, ms: a writer adds up the calls it counts per
   * (stream, bucket) and writes them this often (one CallStatusMinute row
   * per stream and bucket per flush), and at close. Longer is cheaper (the
   * writes are most of the rollup's cost) and makes the console's charts and
   * alerts lag by up to this much.
   */
  rollupFlushMs?: number;
  /** A writer forgets a stream's last snapshot after this long unseen (re-read from MySQL when it returns). */
  rollupStateTtlMs?: number;
  /** The sweep (writer 0): how often, how many rows per DELETE at most, and the pause between DELETEs. */
  prune?: { intervalMs?: number; batchRows?: number; pauseMs?: number };
}

const DEFAULTS = {
  rollup: true,
  rollupIntervalS: 60,
  rollupRetentionS: 7 * 86_400,
  statusMaxAgeS: 7 * 86_400,
  orphanGraceS: 600,
  rollupStateTtlMs: 60_000,
  rollupFlushMs: 30_000,
  prune: { intervalMs: 60_000, batchRows: 1000, pauseMs: 50 },
} as const;

/** The largest rollup_interval (seconds): a bucket of an hour. */
export const MAX_ROLLUP_INTERVAL_S = 3600;
/** The largest rollup_flush (ms): an hour, so counts wait at most that long in a writer. */
export const MAX_ROLLUP_FLUSH_MS = 3_600_000;
/** The shortest rollup_retention and status_max_age in the config (seconds). */
export const MIN_RETENTION_S = 60;

/** WriterData's rollup and prune from `options` (DEFAULTS for what is unset); LARS_BAD_OPTION naming a bad field. */
export function rollupWriterData(options: RollupOptions): Pick<WriterData, 'rollup' | 'prune'> {
  const rollup = options.rollup ?? DEFAULTS.rollup;
  const intervalS = options.rollupIntervalS ?? DEFAULTS.rollupIntervalS;
  const retentionS = options.rollupRetentionS ?? DEFAULTS.rollupRetentionS;
  const statusMaxAgeS = options.statusMaxAgeS ?? DEFAULTS.statusMaxAgeS;
  const orphanGraceS = options.orphanGraceS ?? DEFAULTS.orphanGraceS;
  const stateTtlMs = options.rollupStateTtlMs ?? DEFAULTS.rollupStateTtlMs;
  const flushMs = options.rollupFlushMs ?? DEFAULTS.rollupFlushMs;
  const prune = { ...DEFAULTS.prune, ...options.prune };
  const atLeast = (v: number, min: number) => Number.isInteger(v) && v >= min;
  checkOption(
    atLeast(intervalS, 1) && intervalS <= MAX_ROLLUP_INTERVAL_S,
    'rollupIntervalS',
    `must be an integer 1..${MAX_ROLLUP_INTERVAL_S}`,
  );
  // Tests shorten these below a minute through the options; the config rules keep MIN_RETENTION_S.
  checkOption(atLeast(retentionS, 1), 'rollupRetentionS', 'must be an integer >= 1');
  checkOption(atLeast(statusMaxAgeS, 1), 'statusMaxAgeS', 'must be an integer >= 1');
  checkOption(atLeast(orphanGraceS, 0), 'orphanGraceS', 'must be an integer >= 0');
  checkOption(atLeast(stateTtlMs, 0), 'rollupStateTtlMs', 'must be an integer >= 0');
  checkOption(atLeast(flushMs, 1), 'rollupFlushMs', 'must be an integer >= 1');
  checkOption(atLeast(prune.intervalMs, 1), 'prune.intervalMs', 'must be an integer >= 1');
  checkOption(atLeast(prune.batchRows, 1), 'prune.batchRows', 'must be an integer >= 1');
  checkOption(atLeast(prune.pauseMs, 0), 'prune.pauseMs', 'must be an integer >= 0');
  return {
    rollup: rollup ? { intervalS, stateTtlMs, flushMs } : null,
    prune: { ...prune, rollupRetentionS: rollup ? retentionS : null, statusMaxAgeS, orphanGraceS },
  };
}
