// The client side of the agent benchmark, driven from the main thread: a
// fixed set of client threads (agent-client-worker.ts), thread i asking for
// modid (i % 10) + 1, reused across runs so every run, floor or agent, gets
// the same warmed-up client code.
import type { Worker } from 'node:worker_threads';
import { RetCode } from '@lars/proto';
import { checkOption, spawnWorker } from '@lars/reactor';
import { percentile } from './bench-common.js';
import type { ClientCommand, ClientEvent, ClientResult, ClientWorkerData } from './agent-client-worker.js';

/** The sample routes' modids are 1..10. */
const MODIDS = 10;

export interface RunOptions {
  basePort: number;
  threads: number;
  inflight: number;
  /** Loops run this long before counting starts (routes pulled, JIT warm). */
  warmupMs: number;
  seconds: number;
}

export interface RunResult {
  loopsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  loops: number;
  /** Answers by retcode over all threads. */
  succ: number;
  overload: number;
  systemError: number;
  noexist: number;
  lost: number;
}

export class LoadClients {
  private constructor(private readonly workers: Worker[]) {}

  static async start(threads: number): Promise<LoadClients> {
    const workers = Array.from({ length: threads }, (_, i) =>
      spawnWorker(new URL('./agent-client-worker.ts', import.meta.url), { workerData: { modid: (i % MODIDS) + 1 } satisfies ClientWorkerData }),
    );
    await Promise.all(workers.map((w) => reply(w, 'ready')));
    return new LoadClients(workers);
  }

  async run(options: RunOptions): Promise<RunResult> {
    checkOption(Number.isInteger(options.threads) && options.threads >= 1 && options.threads <= this.workers.length, 'threads', `must be 1..${this.workers.length}`);
    checkOption(Number.isInteger(options.inflight) && options.inflight >= 1, 'inflight', 'must be an integer >= 1');
    const active = this.workers.slice(0, options.threads);
    const send = (cmd: ClientCommand) => {
      for (const w of active) w.postMessage(cmd);
    };
    const running = active.map((w) => reply(w, 'running'));
    send({ type: 'run', basePort: options.basePort, inflight: options.inflight });
    await Promise.all(running);
    await sleep(options.warmupMs);
    send({ type: 'measure' });
    await sleep(options.seconds * 1000);
    const results = active.map((w) => reply(w, 'result'));
    send({ type: 'stop' });
    return summarize((await Promise.all(results)) as ClientResult[]);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/** The next message of `type` from `worker` (a thread that dies rejects it). */
function reply(worker: Worker, type: ClientEvent['type']): Promise<ClientEvent> {
  return new Promise((resolve, reject) => {
    const onMessage = (event: ClientEvent) => {
      if (event.type !== type) return;
      worker.off('message', onMessage);
      worker.off('error', reject);
      resolve(event);
    };
    worker.on('message', onMessage);
    worker.once('error', reject);
  });
}

function summarize(results: ClientResult[]): RunResult {
  const loops = results.reduce((n, r) => n + r.loops, 0);
  const latencies = new Float64Array(loops);
  let at = 0;
  for (const r of results) {
    latencies.set(r.latencies, at);
    at += r.latencies.length;
  }
  const byRet = (code: number) => results.reduce((n, r) => n + r.retcodes[code], 0);
  return {
    loopsPerSecond: results.reduce((n, r) => n + (r.seconds > 0 ? r.loops / r.seconds : 0), 0),
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    loops,
    succ: byRet(RetCode.SUCC),
    overload: byRet(RetCode.OVERLOAD),
    systemError: byRet(RetCode.SYSTEM_ERROR),
    noexist: byRet(RetCode.NOEXIST),
    lost: results.reduce((n, r) => n + r.lost, 0),
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
