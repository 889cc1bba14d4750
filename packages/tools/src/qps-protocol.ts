// What the qps tool's main thread and its worker threads (qps-worker.ts)
// exchange. Loop counts travel through SharedCounters so the main thread can
// print per-second rates without a message per loop.

/** Every thread loops on cmdid 1 (thread i on modid i + 1), as the original. */
export const QPS_CMDID = 1;

/** Per-thread counters: answered get_host loops, and SYSTEM_ERROR answers. */
export const QPS_COUNTERS = ['loops', 'errors'] as const;
export type QpsCounter = (typeof QPS_COUNTERS)[number];

export interface QpsWorkerData {
  /** Row of this thread in the counters. */
  readonly index: number;
  readonly modid: number;
  readonly host: string;
  readonly basePort: number;
  /** Loops kept in flight at once; 1 is the original's closed loop. */
  readonly inflight: number;
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
      /** LatencyHistogram counts of the answered loops' get_host latency. */
      readonly latency: Float64Array<ArrayBuffer>;
    };
