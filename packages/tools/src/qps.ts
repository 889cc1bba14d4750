// qps ThreadNum: the agent's throughput seen by ThreadNum client threads
// (qps-worker.ts), printed every second per thread as the original did, and
// summarised at the end (also as one JSON line: the agent benchmark's client).
import type { Worker } from 'node:worker_threads';
import { SharedCounters, spawnWorker, siblingModule } from '@lars/reactor';
import { ErrorCode, LarsError } from '@lars/wire';
import { RetCode } from '@lars/client';
import { flagSet, flagValue, parseIntArg, parsePositiveArg, UsageError } from './cli-args.js';
import { splitRate } from './qps-pacer.js';
import {
  createLatencyHistogram,
  latencyPercentileMs,
  QPS_COUNTERS,
  type QpsCommand,
  type QpsEvent,
  type QpsWorkerData,
} from './qps-protocol.js';
import {
  agentAddress,
  ExitCode,
  type AgentAddress,
  type OutputStream,
  type Tool,
  type ToolIO,
} from './tool-context.js';

const WORKER_ENTRY = siblingModule('qps-worker', import.meta.url);
const MAX_THREADS = 256;
const MAX_INFLIGHT = 4096;
const MAX_RATE = 10_000_000;
const MAX_DURATION_S = 7 * 24 * 3600;
const TICK_MS = 1000;

/** The --json line. */
export interface QpsSummary {
  threads: number;
  inflight: number;
  /** --rate: the cap on loops per second over all threads; absent without it. */
  rate?: number;
  seconds: number;
  /** Answered get_host loops (SUCC, OVERLOAD, NOEXIST) of every thread. */
  loops: number;
  loopsPerSec: number;
  perThreadLoopsPerSec: number[];
  p50Ms: number;
  p99Ms: number;
  /** SYSTEM_ERROR answers (timeouts after the SDK's retries). */
  errors: number;
  answers: { succ: number; overload: number; noexist: number };
}

type Result = Extract<QpsEvent, { type: 'result' }>;

/** One worker thread and the two answers awaited from it. */
class QpsThread {
  readonly ready: Promise<void>;
  readonly result: Promise<Result>;
  private readonly worker: Worker;
  private resolveReady!: () => void;
  private rejectReady!: (error: Error) => void;
  private resolveResult!: (result: Result) => void;
  private rejectResult!: (error: Error) => void;
  private settled = false;

  constructor(data: QpsWorkerData, onFailure: (error: Error) => void) {
    this.ready = new Promise((resolve, reject) => {
      this.resolveReady = resolve;
      this.rejectReady = reject;
    });
    this.result = new Promise((resolve, reject) => {
      this.resolveResult = resolve;
      this.rejectResult = reject;
    });
    // A failure rejects both; whichever is not awaited yet must not count as unhandled.
    this.ready.catch(() => undefined);
    this.result.catch(() => undefined);
    const fail = (error: Error): void => {
      if (this.settled) return;
      this.settled = true;
      this.rejectReady(error);
      this.rejectResult(error);
      onFailure(error);
    };
    this.worker = spawnWorker(WORKER_ENTRY, { workerData: data });
    this.worker.on('message', (event: QpsEvent) => {
      if (event.type === 'ready') {
        this.resolveReady();
      } else {
        this.settled = true;
        this.resolveResult(event);
      }
    });
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => {
      fail(new LarsError(ErrorCode.CLOSED, `qps thread ${data.index} exited (code ${code}) before its result`));
    });
  }

  send(cmd: QpsCommand): void {
    this.worker.postMessage(cmd);
  }

  async terminate(): Promise<void> {
    await this.worker.terminate();
  }
}

/** Resolves at the end of the run: after `seconds`, on abort, or on a thread's failure. */
function runEnd(seconds: number | undefined, signal: AbortSignal | undefined, failed: Promise<void>): Promise<void> {
  return new Promise((resolve) => {
    const deadline = performance.now() + (seconds ?? 0) * 1000;
    // A timer runs on the loop's clock, cached in whole milliseconds, so it
    // may fire up to 1 ms before `seconds` have passed on performance.now():
    // it is set again for what is left, so the run is never shorter.
    const due = (): void => {
      const left = deadline - performance.now();
      if (left > 0) timer = setTimeout(due, Math.ceil(left));
      else done();
    };
    let timer = seconds === undefined ? undefined : setTimeout(due, seconds * 1000);
    function done(): void {
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    if (signal?.aborted === true) done();
    else signal?.addEventListener('abort', done, { once: true });
    void failed.then(done);
  });
}

/** Prints the original's per-second lines: `thread:[i] --> qps = [N], average = [M]`, then the total. */
class Ticker {
  private readonly last: number[];
  private lastAt: number;

  constructor(
    private readonly counters: SharedCounters<(typeof QPS_COUNTERS)[number]>,
    private readonly startedAt: number,
    private readonly out: OutputStream,
  ) {
    this.last = new Array<number>(counters.rows).fill(0);
    this.lastAt = startedAt;
  }

  readonly tick = (): void => {
    const now = performance.now();
    const interval = (now - this.lastAt) / 1000;
    const elapsed = (now - this.startedAt) / 1000;
    let total = 0;
    let totalDelta = 0;
    const lines: string[] = [];
    for (let i = 0; i < this.counters.rows; i++) {
      const loops = this.counters.get(i, 'loops');
      const delta = loops - this.last[i];
      this.last[i] = loops;
      total += loops;
      totalDelta += delta;
      lines.push(
        `thread:[${i}] --> qps = [${Math.round(delta / interval)}], average = [${Math.round(loops / elapsed)}]`,
      );
    }
    lines.push(`total --> qps = [${Math.round(totalDelta / interval)}], average = [${Math.round(total / elapsed)}]`);
    this.lastAt = now;
    this.out.write(`${lines.join('\n')}\n`);
  };
}

function summarize(results: readonly Result[], seconds: number, inflight: number, cap: number | undefined): QpsSummary {
  const latency = createLatencyHistogram();
  const answers = { succ: 0, overload: 0, noexist: 0 };
  let loops = 0;
  let errors = 0;
  for (const r of results) {
    latency.add(r.latency);
    loops += r.loops;
    errors += r.errors;
    answers.succ += r.answers[RetCode.SUCC];
    answers.overload += r.answers[RetCode.OVERLOAD];
    answers.noexist += r.answers[RetCode.NOEXIST];
  }
  const rate = (n: number): number => (seconds > 0 ? Math.round(n / seconds) : 0);
  return {
    threads: results.length,
    inflight,
    ...(cap === undefined ? {} : { rate: cap }),
    seconds: Math.round(seconds * 1000) / 1000,
    loops,
    loopsPerSec: rate(loops),
    perThreadLoopsPerSec: results.map((r) => rate(r.loops)),
    p50Ms: Math.round(latencyPercentileMs(latency, 50) * 1000) / 1000,
    p99Ms: Math.round(latencyPercentileMs(latency, 99) * 1000) / 1000,
    errors,
    answers,
  };
}

function printSummary(s: QpsSummary, agent: AgentAddress, out: OutputStream): void {
  const rate = s.rate === undefined ? '' : `, rate = ${s.rate}/s`;
  const lines = [`summary: threads = ${s.threads}, inflight = ${s.inflight}${rate}, seconds = ${s.seconds.toFixed(2)}`];
  for (const [i, qps] of s.perThreadLoopsPerSec.entries()) lines.push(`thread:[${i}] --> average = [${qps}]`);
  lines.push(
    `total --> loops = [${s.loops}], average = [${s.loopsPerSec}], get_host p50 = ${s.p50Ms} ms, p99 = ${s.p99Ms} ms`,
    `answers: SUCC ${s.answers.succ}, OVERLOAD ${s.answers.overload}, NOEXIST ${s.answers.noexist}, SYSTEM_ERROR ${s.errors}`,
  );
  if (s.loops === 0) lines.push(`no get_host was answered: is the agent running on ${agent.host}:${agent.basePort}?`);
  out.write(`${lines.join('\n')}\n`);
}

interface QpsOptions {
  threads: number;
  inflight: number;
  /** Stop after this long; undefined: until io.signal aborts. */
  seconds: number | undefined;
  /** Loop this long before counting (JIT and caches warm), seconds. */
  warmup: number;
  /** --rate: loops per second over all threads (split by splitRate); undefined: as fast as the agent answers. */
  rate: number | undefined;
  /** --no-report: get_host alone. */
  noReport: boolean;
  json: boolean;
}

async function runQps(options: QpsOptions, agent: AgentAddress, io: ToolIO): Promise<ExitCode> {
  const { threads, inflight, seconds, json } = options;
  const counters = SharedCounters.create(threads, QPS_COUNTERS);
  const rates = options.rate === undefined ? undefined : splitRate(options.rate, threads);
  let failure: Error | null = null;
  let signalFailure!: () => void;
  const failed = new Promise<void>((resolve) => (signalFailure = resolve));
  const onFailure = (error: Error): void => {
    failure ??= error;
    signalFailure();
  };
  const pool = Array.from(
    { length: threads },
    (_, index) =>
      new QpsThread(
        {
          index,
          modid: index + 1,
          host: agent.host,
          basePort: agent.basePort,
          inflight,
          noReport: options.noReport,
          ...(rates === undefined ? {} : { rate: rates[index] }),
          counters: counters.buffer,
        },
        onFailure,
      ),
  );
  try {
    await Promise.all(pool.map((t) => t.ready));
    for (const t of pool) t.send({ type: 'start' });
    if (options.warmup > 0) {
      await runEnd(options.warmup, io.signal, failed);
      for (const t of pool) t.send({ type: 'reset' });
    }
    const startedAt = performance.now();
    const ticker = new Ticker(counters, startedAt, json ? io.stderr : io.stdout);
    const interval = setInterval(ticker.tick, TICK_MS);
    await runEnd(seconds, io.signal, failed);
    clearInterval(interval);
    const elapsed = (performance.now() - startedAt) / 1000;
    for (const t of pool) t.send({ type: 'stop' });
    const results = await Promise.all(pool.map((t) => t.result));
    if (failure !== null) throw failure;
    const summary = summarize(results, elapsed, inflight, options.rate);
    if (json) io.stdout.write(`${JSON.stringify(summary)}\n`);
    else printSummary(summary, agent, io.stdout);
    return summary.loops > 0 ? ExitCode.OK : ExitCode.FAILED;
  } finally {
    await Promise.all(pool.map((t) => t.terminate()));
  }
}

export const qpsTool: Tool = {
  name: 'qps',
  summary:
    'Measures the agent: ThreadNum worker threads, thread i looping get_host + a success report on modid i+1, cmdid 1 (OVERLOAD and NOEXIST count as answers with nothing to report). Every second prints `thread:[i] --> qps = [N], average = [M]` per thread and a total line; at the end a summary. Runs until --duration or Ctrl-C.',
  args: {
    positionals: [{ name: 'ThreadNum', help: `number of client threads, 1..${MAX_THREADS}` }],
    flags: [
      { name: 'duration', value: 'S', help: 'stop after S seconds (default: run until interrupted)' },
      { name: 'warmup', value: 'S', help: 'loop S seconds before counting anything (default: count from the start)' },
      {
        name: 'inflight',
        value: 'K',
        help: `requests in flight per thread, 1..${MAX_INFLIGHT} (default 1: the original's closed loop)`,
      },
      {
        name: 'rate',
        value: 'N',
        help: `at most N loops per second over all threads, 1..${MAX_RATE}, at least ThreadNum (each thread paces its share, catching up by at most 1/10 s of it; default: as fast as the agent answers)`,
      },
      { name: 'no-report', help: 'get_host alone: no report after a host is picked (measures get_host by itself)' },
      {
        name: 'json',
        help: 'print the summary as one JSON line (threads, inflight, rate when --rate is given, seconds, loops, loopsPerSec, perThreadLoopsPerSec, p50Ms, p99Ms, errors, answers); the per-second lines go to stderr',
      },
    ],
  },
  notes: ['exit status: 0 some get_host was answered, 1 none was, 2 bad arguments'],
  stopsOnSignal: true,
  async run(args, io) {
    const threads = parseIntArg(args.positionals[0], 'ThreadNum', 1, MAX_THREADS);
    const rawDuration = flagValue(args, 'duration');
    const seconds = rawDuration === undefined ? undefined : parsePositiveArg(rawDuration, '--duration', MAX_DURATION_S);
    const rawInflight = flagValue(args, 'inflight');
    const inflight = rawInflight === undefined ? 1 : parseIntArg(rawInflight, '--inflight', 1, MAX_INFLIGHT);
    const agent = agentAddress(args, io.env);
    const rawWarmup = flagValue(args, 'warmup');
    const warmup = rawWarmup === undefined ? 0 : parsePositiveArg(rawWarmup, '--warmup', MAX_DURATION_S);
    const rawRate = flagValue(args, 'rate');
    const rate = rawRate === undefined ? undefined : parseIntArg(rawRate, '--rate', 1, MAX_RATE);
    if (rate !== undefined && rate < threads) {
      throw new UsageError(
        `--rate must be at least ThreadNum (${threads}): each thread loops at rate / ThreadNum per second, got ${rate}`,
      );
    }
    const options = {
      threads,
      inflight,
      seconds,
      warmup,
      rate,
      noReport: flagSet(args, 'no-report'),
      json: flagSet(args, 'json'),
    };
    return runQps(options, agent, io);
  },
};
