import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { ResourceLimits, Worker } from 'node:worker_threads';
import { checkOption, ErrorCode, LarsError } from '@lars/wire';
import { HashRing } from './hash-ring.js';
import { silentLogger, type Logger } from './logger.js';
import { FullPolicy, SabQueue, WaitResult, type RecordSink, type SabQueueStats } from './sab-queue.js';
import { SharedCounters } from './shared-counters.js';
import { POOL_WORKER_COUNTERS, POOL_WORKER_READY, type PoolWorkerData } from './thread-pool-worker.js';
import { entryName, spawnWorker } from './worker-spawn.js';

/** Receives a worker's output on the main thread; `record` is valid only during the call. */
export type PoolMessageHandler = (workerIndex: number, record: Uint8Array) => void;

export interface ThreadPoolOptions {
  /** Worker threads (default 3, the original's db_thread_cnt). */
  threads?: number;
  /** Bytes of each queue, a power of two (default 1 MiB); every worker has one in and one out. */
  queueBytes?: number;
  /** Full policy of every queue, both directions (default 'reject'). */
  fullPolicy?: FullPolicy;
  /** Handed to every worker as `poolWorkerContext().data` (structured-cloned). */
  workerData?: unknown;
  /** Output of the workers, delivered on the main thread. */
  onMessage?: PoolMessageHandler;
  /** How long close() waits for a worker to finish its queue and exit before terminating it (default 5000). */
  closeTimeoutMs?: number;
  /**
   * The pool's own lines; also the level, name and destination of every
   * worker's `poolWorkerContext().logger` (silent workers without one).
   */
  logger?: Logger;
  /** `component` of the workers' log lines (default: the entry's file name, e.g. `writer-worker`). */
  component?: string;
  /** A worker logs at most one line per this many ms about failing handlers (default 10000). */
  warnIntervalMs?: number;
  /** V8 heap limits of every worker (worker_threads' resourceLimits); Node's defaults when absent. */
  resourceLimits?: ResourceLimits;
}

const DEFAULTS = {
  threads: 3,
  queueBytes: 1 << 20,
  fullPolicy: FullPolicy.REJECT,
  closeTimeoutMs: 5000,
  warnIntervalMs: 10_000,
} as const;

/** What every worker of a pool is started with. */
interface WorkerSpawn {
  entry: URL;
  data: unknown;
  warnIntervalMs: number;
  logger: Logger | undefined;
  component: string;
  resourceLimits: ResourceLimits | undefined;
}

/** Records delivered per turn of the main event loop, per worker. */
const DELIVERY_BATCH = 256;

export interface ThreadPoolStats {
  threads: number;
  alive: number;
  /** 'error' events: uncaught exceptions in workers, failed starts. */
  workerErrors: number;
  /** Workers that exited while the pool was not closing. */
  unexpectedExits: number;
  /** Workers close() had to terminate after closeTimeoutMs. */
  terminated: number;
  /** onMessage calls that threw (the record is lost, the pool goes on). */
  messageErrors: number;
  /** Worker handlers (and flushes) that threw, over all workers (the record is lost, the worker goes on). */
  handlerErrors: number;
  /** Sends refused because the target worker had exited. */
  deadWorkerSends: number;
  inputs: SabQueueStats[];
  outputs: SabQueueStats[];
}

/**
 * N worker threads running `entry` (a module calling runPoolWorker), each
 * with its own input SabQueue (main -> worker). Because a SabQueue has a
 * single producer, "the queue back to the main thread" is one output queue
 * per worker (worker -> main); main waits on all of them with
 * Atomics.waitAsync and delivers every record to `onMessage` with the index
 * of the worker that sent it. Data never goes through postMessage.
 *
 * Dispatch: round robin, by index, by key (consistent hash over the worker
 * indices) or to all (the original's send_task). A send returns false when
 * the record was refused (queue full under 'reject', or worker gone).
 */
export class ThreadPool {
  readonly threads: number;
  readonly closeTimeoutMs: number;
  private readonly log: Logger;
  private readonly onMessage: PoolMessageHandler | undefined;
  private readonly inputs: SabQueue[] = [];
  private readonly outputs: SabQueue[] = [];
  private readonly workers: Worker[] = [];
  private readonly alive: boolean[] = [];
  private readonly exits: Promise<void>[] = [];
  private readonly pumps: Promise<void>[] = [];
  private readonly readiness: Promise<void>[] = [];
  private readonly ring: HashRing<number>;
  private readonly workerCounters: SharedCounters<(typeof POOL_WORKER_COUNTERS)[number]>;
  private readonly counters = {
    workerErrors: 0,
    unexpectedExits: 0,
    terminated: 0,
    messageErrors: 0,
    deadWorkerSends: 0,
  };
  private next = 0;
  private closing: Promise<void> | null = null;

  constructor(entry: URL, options: ThreadPoolOptions = {}) {
    this.threads = options.threads ?? DEFAULTS.threads;
    const queueBytes = options.queueBytes ?? DEFAULTS.queueBytes;
    const fullPolicy = options.fullPolicy ?? DEFAULTS.fullPolicy;
    this.closeTimeoutMs = options.closeTimeoutMs ?? DEFAULTS.closeTimeoutMs;
    checkOption(
      Number.isInteger(this.threads) && this.threads >= 1 && this.threads <= 256,
      'threads',
      'must be 1 .. 256',
    );
    checkOption(
      Number.isInteger(queueBytes) && queueBytes >= 64 && (queueBytes & (queueBytes - 1)) === 0,
      'queueBytes',
      'must be a power of two of at least 64',
    );
    checkOption(this.closeTimeoutMs >= 0, 'closeTimeoutMs', 'must be >= 0');
    const warnIntervalMs = options.warnIntervalMs ?? DEFAULTS.warnIntervalMs;
    checkOption(Number.isFinite(warnIntervalMs) && warnIntervalMs >= 0, 'warnIntervalMs', 'must be >= 0');
    this.onMessage = options.onMessage;
    this.log = (options.logger ?? silentLogger()).child({ component: 'thread-pool' });
    this.ring = new HashRing(
      Array.from({ length: this.threads }, (_, i) => i),
      { nodeKey: (i, replica) => `worker-${i}#${replica}` },
    );
    for (let i = 0; i < this.threads; i++) {
      this.inputs.push(SabQueue.create({ capacityBytes: queueBytes, fullPolicy }));
      this.outputs.push(SabQueue.create({ capacityBytes: queueBytes, fullPolicy }));
    }
    this.workerCounters = SharedCounters.create(this.threads, POOL_WORKER_COUNTERS);
    const spawn: WorkerSpawn = {
      entry,
      data: options.workerData,
      warnIntervalMs,
      logger: options.logger,
      component: options.component ?? entryName(entry),
      resourceLimits: options.resourceLimits,
    };
    for (let i = 0; i < this.threads; i++) this.startWorker(spawn, i);
  }

  /**
   * Resolves once every worker has called poolWorkerReady() (a worker that
   * binds a socket says so after binding); rejects with the first worker's
   * failure to get there (its error, or its exit).
   */
  ready(): Promise<void> {
    return Promise.all(this.readiness).then(() => undefined);
  }

  /** Sends to the next worker in turn. */
  sendRoundRobin(record: Uint8Array): boolean {
    const i = this.next;
    this.next = i + 1 === this.threads ? 0 : i + 1;
    return this.sendTo(i, record);
  }

  /** Sends to worker `index` (the caller picks, e.g. (modid + cmdid) % threads). */
  sendTo(index: number, record: Uint8Array): boolean {
    if (this.closing !== null) throw new LarsError(ErrorCode.CLOSED, 'thread pool is closed');
    checkOption(
      Number.isInteger(index) && index >= 0 && index < this.threads,
      'index',
      `must be 0 .. ${this.threads - 1}`,
    );
    if (!this.alive[index]) {
      this.counters.deadWorkerSends++;
      return false;
    }
    return this.inputs[index].push(record);
  }

  /** Sends to the worker owning `key` on the hash ring: the same key always reaches the same worker. */
  sendByKey(key: string | number, record: Uint8Array): boolean {
    return this.sendTo(this.workerForKey(key), record);
  }

  /** The worker index `sendByKey(key, ...)` sends to. */
  workerForKey(key: string | number): number {
    return this.ring.get(key) as number;
  }

  /** Sends to every worker (the original's send_task); returns how many accepted it. */
  broadcast(record: Uint8Array): number {
    let accepted = 0;
    for (let i = 0; i < this.threads; i++) if (this.sendTo(i, record)) accepted++;
    return accepted;
  }

  stats(): ThreadPoolStats {
    return {
      threads: this.threads,
      alive: this.alive.filter(Boolean).length,
      ...this.counters,
      handlerErrors: this.workerCounters.total('handlerErrors'),
      inputs: this.inputs.map((q) => q.stats()),
      outputs: this.outputs.map((q) => q.stats()),
    };
  }

  /**
   * Closes every input queue; each worker handles what is queued, its
   * runPoolWorker resolves and it exits. A worker still running after
   * closeTimeoutMs is terminated. Resolves once every worker has exited and
   * all of their output has been delivered. Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    for (const q of this.inputs) q.close();
    await Promise.all(this.workers.map((_, i) => this.awaitExit(i)));
    await Promise.all(this.pumps);
  }

  private async awaitExit(i: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), this.closeTimeoutMs);
      timer.unref();
    });
    const late = await Promise.race([this.exits[i].then(() => false), timedOut]);
    clearTimeout(timer);
    if (!late) return;
    this.counters.terminated++;
    this.log.warn({ worker: i, timeoutMs: this.closeTimeoutMs }, 'worker did not exit after close; terminating');
    await this.workers[i].terminate();
    await this.exits[i];
  }

  private startWorker(spawn: WorkerSpawn, index: number): void {
    const workerData: PoolWorkerData = {
      index,
      threads: this.threads,
      input: this.inputs[index].buffer,
      output: this.outputs[index].buffer,
      data: spawn.data,
      counters: this.workerCounters.buffer,
      warnIntervalMs: spawn.warnIntervalMs,
    };
    const worker = spawnWorker(spawn.entry, {
      workerData,
      logger: spawn.logger,
      logBindings: { component: spawn.component, worker: index },
      resourceLimits: spawn.resourceLimits,
    });
    this.workers.push(worker);
    this.alive.push(true);
    this.readiness.push(
      new Promise<void>((resolve, reject) => {
        worker.on('message', (m: unknown) => {
          if (m === POOL_WORKER_READY) resolve();
        });
        worker.once('error', reject);
        worker.once('exit', (code) =>
          reject(new LarsError(ErrorCode.CLOSED, `worker ${index} exited (${code}) before it was ready`)),
        );
      }),
    );
    // ready() may never be called: a rejection nobody awaits must not become an unhandled one.
    this.readiness[index].catch(() => undefined);
    worker.on('error', (err) => {
      this.counters.workerErrors++;
      this.log.error({ err, worker: index }, 'worker failed');
    });
    this.exits.push(
      new Promise<void>((resolve) => {
        worker.once('exit', (code) => {
          this.alive[index] = false;
          if (this.closing === null) {
            this.counters.unexpectedExits++;
            this.log.error({ worker: index, code }, 'worker exited unexpectedly');
          }
          // Nothing more can come: the pump delivers what is left, then ends.
          this.outputs[index].close();
          resolve();
        });
      }),
    );
    this.pumps.push(this.pump(index));
  }

  /** Delivers worker `index`'s output until it has exited and its queue is empty. */
  private async pump(index: number): Promise<void> {
    const queue = this.outputs[index];
    const sink: RecordSink = (record) => {
      try {
        this.onMessage?.(index, record);
      } catch (err) {
        this.counters.messageErrors++;
        this.log.error({ err, worker: index }, 'onMessage threw; record lost');
      }
    };
    try {
      for (;;) {
        if (queue.drain(sink, DELIVERY_BATCH) === DELIVERY_BATCH) {
          await yieldToEventLoop();
          continue;
        }
        if ((await queue.waitAsync()) === WaitResult.CLOSED) return;
      }
    } catch (err) {
      this.log.error({ err, worker: index }, 'output queue failed; no more output from this worker');
    }
  }
}
