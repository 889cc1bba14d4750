// The worker side of a ThreadPool (thread-pool.ts). A pool worker module:
//
//   const { index, data, logger } = poolWorkerContext();
//   await runPoolWorker((record, reply) => { ... }, { flush });
//
// `logger` is a pino Logger bound with `component` (ThreadPoolOptions.component,
// by default the entry's file name, e.g. `writer-worker`) and `worker` (this
// worker's index), at the pool's logger's level, writing through the main
// thread's destination (worker-logger.ts); silent when the pool has no logger.
// A handler that throws (or rejects) loses its record, not the worker: the
// error is logged (throttled, ThreadPoolOptions.warnIntervalMs) and counted in
// the pool's stats().handlerErrors.
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { checkOption, LogThrottle } from '@lars/wire';
import type { Logger } from './logger.js';
import { SabQueue, WaitResult } from './sab-queue.js';
import { SharedCounters } from './shared-counters.js';
import { workerLogger } from './worker-logger.js';

/** What every pool worker counts in its row of PoolWorkerData.counters. */
export const POOL_WORKER_COUNTERS = ['handlerErrors'] as const;

/** The workerData a ThreadPool gives each of its workers. */
export interface PoolWorkerData {
  readonly index: number;
  readonly threads: number;
  /** Main -> this worker. */
  readonly input: SharedArrayBuffer;
  /** This worker -> main. */
  readonly output: SharedArrayBuffer;
  /** ThreadPoolOptions.workerData. */
  readonly data: unknown;
  /** SharedCounters over POOL_WORKER_COUNTERS, one row per worker. */
  readonly counters: SharedArrayBuffer;
  /** ThreadPoolOptions.warnIntervalMs: at most one handler-error line per this many ms. */
  readonly warnIntervalMs: number;
}

/** The control message poolWorkerReady() posts (control only: data never goes through postMessage). */
export const POOL_WORKER_READY = 'lars-pool-worker-ready';

/** Tells the pool this worker is set up (e.g. its socket is bound): ThreadPool.ready() waits for every worker's. */
export function poolWorkerReady(): void {
  poolData();
  parentPort!.postMessage(POOL_WORKER_READY);
}

/** Where a pool worker is and what the pool was given for it. */
export interface PoolWorkerContext {
  readonly index: number;
  readonly threads: number;
  readonly data: unknown;
  /** This worker's logger: `component` and `worker` bound, lines written by the main thread. */
  readonly logger: Logger;
}

/** Pushes a record onto the queue back to main; false when it is full under 'reject'. */
export type PoolReply = (record: Uint8Array) => boolean;

/**
 * Handles one record (a copy the handler owns). An async handler is awaited
 * before the next record, so a worker holding a DB connection handles its
 * records in order. A throw (or rejection) loses that record only: it is
 * logged, throttled, and counted (ThreadPoolStats.handlerErrors), and the
 * worker goes on with the next one.
 */
export type PoolHandler = (record: Uint8Array, reply: PoolReply) => void | Promise<void>;

export interface RunPoolWorkerOptions {
  /** Records handled before letting the worker's event loop run (default 256). */
  batch?: number;
  /**
   * Called after each run of up to `batch` records (when the batch is full or
   * the queue ran dry) and awaited before the next record is taken: where a
   * worker writes out what its handler gathered, e.g. one multi-row INSERT.
   * A throw is logged and counted as a handler's is.
   */
  flush?: () => void | Promise<void>;
}

const DEFAULTS = {
  batch: 256,
} as const;

function poolData(): PoolWorkerData {
  const data = workerData as Partial<PoolWorkerData> | null;
  checkOption(
    !isMainThread &&
      data !== null &&
      data.input instanceof SharedArrayBuffer &&
      data.output instanceof SharedArrayBuffer,
    'workerData',
    'this thread was not started by a ThreadPool',
  );
  return data as PoolWorkerData;
}

/** This worker's index, the pool size, ThreadPoolOptions.workerData and this worker's logger. */
export function poolWorkerContext(): PoolWorkerContext {
  const { index, threads, data } = poolData();
  return { index, threads, data, logger: workerLogger() };
}

// This thread is the single producer of its output queue: one attached view, shared by every caller.
let output: SabQueue | null = null;
let send: PoolReply | null = null;

function outputQueue(): SabQueue {
  output ??= SabQueue.attach(poolData().output);
  return output;
}

/**
 * Pushes onto the queue back to main from anywhere in the worker, not only
 * from the handler (a worker that also serves sockets sends from there).
 */
export function poolWorkerSend(): PoolReply {
  if (send === null) {
    const queue = outputQueue();
    send = (record) => queue.push(record);
  }
  return send;
}

/**
 * The worker side of a ThreadPool: feeds every record of this worker's input
 * queue to `handler`, waiting with Atomics.waitAsync so the worker's event
 * loop (sockets, DB connections, timers) keeps running, and yielding to it
 * every `batch` records under load. Resolves once the pool closes the input
 * and every queued record was handled; the module may then release what it
 * holds so the thread can exit.
 */
export async function runPoolWorker(handler: PoolHandler, options: RunPoolWorkerOptions = {}): Promise<void> {
  const batch = options.batch ?? DEFAULTS.batch;
  checkOption(Number.isInteger(batch) && batch >= 1, 'batch', 'must be a positive integer');
  const data = poolData();
  const input = SabQueue.attach(data.input);
  const reply = poolWorkerSend();
  const flush = options.flush;
  const failed = handlerFailureReporter(data);
  for (;;) {
    let handled = 0;
    let record: Uint8Array | null;
    while (handled < batch && (record = input.pop()) !== null) {
      handled++;
      try {
        const pending = handler(record, reply);
        if (pending !== undefined) await pending;
      } catch (err) {
        failed('handler', err);
      }
    }
    if (handled > 0 && flush !== undefined) {
      try {
        await flush();
      } catch (err) {
        failed('flush', err);
      }
    }
    if (handled === batch) {
      await yieldToEventLoop();
      continue;
    }
    if ((await input.waitAsync()) === WaitResult.CLOSED) return;
  }
}

/** Counts a failed handler or flush in this worker's row and logs it, at most once per warnIntervalMs per kind. */
function handlerFailureReporter(data: PoolWorkerData): (kind: 'handler' | 'flush', err: unknown) => void {
  const counters = SharedCounters.attach(data.counters, POOL_WORKER_COUNTERS);
  const throttle = new LogThrottle(data.warnIntervalMs);
  const log = workerLogger();
  return (kind, err) => {
    counters.add(data.index, 'handlerErrors', 1);
    const suppressed = throttle.take(kind);
    if (suppressed < 0) return;
    log.error({ err, suppressed }, kind === 'handler' ? 'record handler threw; record lost' : 'flush threw');
  };
}
