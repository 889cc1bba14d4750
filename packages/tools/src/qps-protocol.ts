// What the qps tool's main thread and its worker threads (qps-worker.ts)
// exchange. Loop counts travel through SharedCounters so the main thread can
// print per-second rates without a message per loop; latencies go into one
// Node histogram per thread (perf_hooks, HDR: fixed memory however long the
// run, percentiles within 0.1%), sent back once in the result and merged.
import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';

/** Every thread loops on cmdid 1 (thread i on modid i + 1), as the original. */
export const QPS_CMDID = 1;

/** Per-thread counters: answered get_host loops, and SYSTEM_ERROR answers. */
export const QPS_COUNTERS = ['loops', 'errors'] as const;
export type QpsCounter = (typeof QPS_COUNTERS)[number];

/**
 * Latencies are recorded in integer nanoseconds, 1 ns .. 1 h (a slower
 * sample counts as 1 h), to 3 significant figures.
 */
const LATENCY = { lowestNs: 1, highestNs: 3600e9, figures: 3 } as const;

/** An empty latency histogram with the range every thread records in. */
export function createLatencyHistogram(): RecordableHistogram {
  return createHistogram({ lowest: LATENCY.lowestNs, highest: LATENCY.highestNs, figures: LATENCY.figures });
}

/** Records one get_host latency given in (fractional) milliseconds, as performance.now() differences are. */
export function recordLatencyMs(histogram: RecordableHistogram, ms: number): void {
  const ns = Math.round(ms * 1e6);
  histogram.record(ns >= LATENCY.lowestNs ? Math.min(ns, LATENCY.highestNs) : LATENCY.lowestNs);
}

/** The latency (ms) at `percentile` (0 < percentile <= 100); 0 when nothing was recorded. */
export function latencyPercentileMs(histogram: RecordableHistogram, percentile: number): number {
  return histogram.count === 0 ? 0 : histogram.percentile(percentile) / 1e6;
}

export interface QpsWorkerData {
  /** Row of this thread in the counters. */
  readonly index: number;
  readonly modid: number;
  readonly host: string;
  readonly basePort: number;
  /** Loops kept in flight at once; 1 is the original's closed loop. */
  readonly inflight: number;
  /** --rate: this thread's share, loops per second (QpsPacer); undefined loops as fast as the agent answers. */
  readonly rate?: number;
  /** --no-report: get_host alone, no report after it. */
  readonly noReport: boolean;
  /** SharedCounters buffer of QPS_COUNTERS, one row per thread. */
  readonly counters: SharedArrayBuffer;
}

/** Main -> worker. `reset` ends the warm-up: what was counted so far is forgotten. */
export type QpsCommand = { readonly type: 'start' } | { readonly type: 'reset' } | { readonly type: 'stop' };

/** Worker -> main. `ready` once the route is pulled (regInit), `result` after `stop`. */
export type QpsEvent =
  | { readonly type: 'ready' }
  | {
      readonly type: 'result';
      /** Answered loops, as in the counters when the loops stopped. */
      readonly loops: number;
      readonly errors: number;
      /** Answers by LarsRetCode: SUCC, OVERLOAD, SYSTEM_ERROR, NOEXIST. */
      readonly answers: readonly number[];
      /**
       * The answered loops' get_host latency (createLatencyHistogram). A
       * histogram posted to another thread shares its data with the sender's;
       * the worker records nothing after sending it.
       */
      readonly latency: RecordableHistogram;
    };
