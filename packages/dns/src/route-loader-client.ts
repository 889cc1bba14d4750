import type { Worker } from 'node:worker_threads';
import { siblingModule, spawnWorker, type Logger } from '@lars/reactor';
import type { CheckReply, CheckRequest, LoaderWorkerData } from './route-loader-protocol.js';

/**
 * The serving thread's side of the loader worker (route-loader-worker.ts):
 * one request at a time, each settled by its reply; a loader that died is
 * replaced on the next request, and a round waiting on it settles as failed.
 */
export class RouteLoaderClient {
  private worker: Worker | null = null;
  private pending: { seq: number; resolve: (reply: CheckReply) => void } | null = null;
  private closed = false;

  constructor(
    private readonly data: LoaderWorkerData,
    private readonly logger: Logger,
    /** Called when a loader died (not at close): counted as loaderRestarts. */
    private readonly onDied: () => void,
  ) {}

  /** Spawns the loader now (so it beats from the start) unless it runs. */
  ensureStarted(): void {
    if (this.worker === null && !this.closed) this.spawn();
  }

  /** Sends one request to the loader (started on demand) and waits for its reply. */
  ask(req: CheckRequest): Promise<CheckReply> {
    const worker = this.worker ?? this.spawn();
    return new Promise((resolve) => {
      this.pending = { seq: req.seq, resolve };
      worker.postMessage(req);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.worker?.terminate();
    this.worker = null;
  }

  private spawn(): Worker {
    // The loader logs through workerLogger(): component route-loader-worker, lines written by this thread.
    const worker = spawnWorker(siblingModule('route-loader-worker', import.meta.url), {
      workerData: this.data,
      logger: this.logger,
    });
    worker.on('message', (reply: CheckReply) => {
      const pending = this.pending;
      if (pending === null || pending.seq !== reply.seq) return;
      this.pending = null;
      pending.resolve(reply);
    });
    worker.on('error', (err) => this.logger.error({ err }, 'route loader failed'));
    worker.on('exit', () => {
      if (this.worker !== worker) return;
      this.worker = null;
      if (!this.closed) this.onDied();
      // A round waiting on this loader settles (as failed) even when close() ended it.
      const pending = this.pending;
      this.pending = null;
      pending?.resolve({ type: 'failed', seq: pending.seq, error: 'route loader exited', mysql: null });
    });
    this.worker = worker;
    return worker;
  }
}
