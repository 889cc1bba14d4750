import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { checkOption } from '@lars/wire';
import { SabQueue, WaitResult } from './sab-queue.js';

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
}

/** Pushes a record onto the queue back to main; false when it is full under 'reject'. */
export type PoolReply = (record: Uint8Array) => boolean;

/**
 * Handles one record (a copy the handler owns). An async handler is awaited
 * before the next record, so a worker holding a DB connection handles its
 * records in order. A throw ends the worker; the pool logs and counts it.
 */
export type PoolHandler = (record: Uint8Array, reply: PoolReply) => void | Promise<void>;

export interface RunPoolWorkerOptions {
  /** Records handled before letting the worker's event loop run (default 256). */
  batch?: number;
  /**
   * Called after each run of up to `batch` records (when the batch is full or
   * the queue ran dry) and awaited before the next record is taken: where a
   * worker writes out what its handler gathered, e.g. one multi-row INSERT.
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

/** This worker's index, the pool size and ThreadPoolOptions.workerData. */
export function poolWorkerContext(): PoolWorkerContext {
  const { index, threads, data } = poolData();
  return { index, threads, data };
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
  for (;;) {
    let handled = 0;
    let record: Uint8Array | null;
    while (handled < batch && (record = input.pop()) !== null) {
      handled++;
      const pending = handler(record, reply);
      if (pending !== undefined) await pending;
    }
    if (handled > 0 && flush !== undefined) await flush();
    if (handled === batch) {
      await yieldToEventLoop();
      continue;
    }
    if ((await input.waitAsync()) === WaitResult.CLOSED) return;
  }
}
