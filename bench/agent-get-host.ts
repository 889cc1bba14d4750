// Agent get_host (benchmarks.md): the qps tool's client loop in 1, 2 and 10
// client threads with 1 and 16 loops in flight each, in two modes: the full
// loop (get_host, then a report for the host picked) and get_host alone
// (qps --no-report). Against a real agent (with its DNS, reporter and a
// database of sample routes, each in its own process) and against the
// floor: a bare three-thread UDP echo on the same three ports that answers
// with canned bytes (no decode, no LB). Reports loops/s for both, the ratio
// agent / floor, latency percentiles, and CPU per request of each side: the
// server process's utime + stime (/proc/PID/stat) over the counted run,
// divided by the get_host requests answered in it. A warm-up run before
// each counted one keeps JIT warm-up out, and the counted run starts with
// no warm-up of its own, so the CPU window and the loops counted match
// (the qps process's start, while its threads connect, costs the server
// nothing). Then the low-load section: one C client thread
// (agent-get-host-client.c) doing blocking get_host, one request in flight,
// against the floor and then the agent, for the latency tail a lightly
// loaded agent adds over the bare transport.
import { execFileSync } from 'node:child_process';
import { loadSampleRoutes } from '../test-support/db.js';
import { agentPortIndex } from '@lars/proto';
import { mysqlSection } from '../test-support/daemon-process.js';
import { freePortRange } from '../test-support/ports.js';
import { REPO_ROOT } from '../test-support/repo-paths.js';
import { machine, parseBenchArgs, printTable } from './bench-common.js';
import { startDaemon, type DaemonProcess } from './daemon-harness.js';
import { benchDatabase, startDnsProcess } from './dns-harness.js';
import { type LowLoadResult, runLowLoad } from './agent-c-client.js';
import { runQps, type RunResult } from './agent-qps.js';

const args = parseBenchArgs();
const THREADS = [1, 2, 10] as const;
const INFLIGHT = [1, 16] as const;
/** `loop`: get_host then a report; `get`: get_host alone. */
const MODES = ['loop', 'get'] as const;
type Mode = (typeof MODES)[number];
// 12 qps runs (each a process of its own) and 7 daemon starts: this keeps
// the default run near a minute. Each run loops WARMUP seconds before it
// counts, so JIT warm-up of freshly started threads stays out of the figures.
const SECONDS = 1.5;
const WARMUP = 0.5;
const LONG = { threads: 10, inflight: 16, seconds: 60, rssEveryMs: 5000 } as const;
const GOALS = {
  minRatio: 0.8,
  maxP99MsAt10x1: 1,
  maxIdleCpuPercent: 1,
  maxLowLoadP99Ms: 0.3,
  maxLowLoadP99Ratio: 1.5,
} as const;
/**
 * The low-load run: the qps tool's first thread's key (modid 1, cmdid 1, in
 * the sample routes), 100,000 timed round trips (p99.9 rests on 100 samples)
 * after 20,000 untimed ones, which cover the agent's route pull (NOEXIST
 * answers) and JIT warm-up of the freshly started process. About 2-5 s a side.
 */
const LOW_LOAD = { modid: 1, cmdid: 1, count: 100_000, warmup: 20_000 } as const;
/** The idle window: the agent serves nothing for this long. */
const IDLE_SECONDS = 10;

interface LowLoad {
  floor: LowLoadResult;
  agent: LowLoadResult;
  /** agent p99 / floor p99. */
  p99Ratio: number;
}

interface Idle {
  seconds: number;
  /** Agent CPU over the window, % of one core. */
  cpuPercentOfCore: number;
  rssMiB: number;
}

type Side = 'floor' | 'agent';
/**
 * The agent runs from the build, as run_lars.sh runs it (the benchmark builds
 * first): from the sources through tsx it carries a loader thread per thread
 * and the compiler's heap, about 100 MiB of RSS a deployment never has.
 */
const ENTRY: Record<Side, string> = { floor: 'bench/agent-echo-server.ts', agent: 'packages/agent/dist/main.js' };

/**
 * Whichever side currently holds the three UDP ports: the floor and the agent
 * take turns on the same ports, so each switch stops one process and starts
 * the other.
 */
class PortHolder {
  private side: Side | null = null;
  private daemon: DaemonProcess | null = null;

  constructor(private readonly conf: (statsPort: number) => string) {}

  async use(side: Side): Promise<DaemonProcess> {
    if (this.side !== side || this.daemon === null) {
      await this.release();
      this.daemon = await startDaemon(ENTRY[side], this.conf, { reactor: false });
      this.side = side;
    }
    return this.daemon;
  }

  async release(): Promise<void> {
    const daemon = this.daemon;
    this.daemon = null;
    this.side = null;
    await daemon?.stop();
  }
}

/** A qps run and what the server process spent on it. */
interface Measured extends RunResult {
  /** Server CPU (user + system) per get_host answered, µs. */
  cpuUsPerRequest: number;
  /** Server RSS right after the run, bytes. */
  rssBytes: number;
}

interface Point {
  threads: number;
  inflight: number;
  mode: Mode;
  floor: Measured;
  agent: Measured;
  ratio: number;
  /** agent CPU per request / floor CPU per request. */
  cpuRatio: number;
}

/** The --long run: the agent alone at full load, its memory sampled. */
interface LongRun {
  threads: number;
  inflight: number;
  seconds: number;
  loopsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  /** Agent CPU per get_host answered, µs. */
  cpuUsPerRequest: number;
  rssMiB: number[];
  rssGrowthMiB: number;
  agent: Record<string, number>;
}

const round3 = (v: number) => Math.round(v * 1000) / 1000;
const mib = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;

const closers: Array<() => Promise<void>> = [];
/** Registers what `starting` yields for closing at the end, whether or not the benchmark gets there. */
function owned<T>(starting: Promise<T>, close: (resource: T) => Promise<void>): Promise<T> {
  closers.push(() => starting.then(close, () => undefined));
  return starting;
}

try {
  execFileSync('pnpm', ['build'], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  const db = await owned(benchDatabase(), (d) => d.drop());
  await loadSampleRoutes(db);
  const [dns, reporter] = await Promise.all([
    owned(startDnsProcess(db, { checkInterval: 1, reloadInterval: 60 }), (d) => d.stop()),
    owned(
      startDaemon(
        'packages/reporter/src/main.ts',
        (statsPort) => `${mysqlSection(db)}[reporter]\ndb_thread_cnt = 2\n[stats]\nport = ${statsPort}\n`,
      ),
      (r) => r.stop(),
    ),
  ]);

  const basePort = await freePortRange(3);
  const holder = new PortHolder(
    (statsPort) =>
      `[dnsserver]\nip = 127.0.0.1\nport = ${dns.port}\n[reporter]\nip = 127.0.0.1\nport = ${reporter.port}\n` +
      `[loadbalance]\nlocal_ip = 127.0.0.1\n[agent]\nip = 127.0.0.1\nbase_port = ${basePort}\n[stats]\nport = ${statsPort}\n`,
  );
  closers.push(() => holder.release());
  const measure = async (side: Side, threads: number, inflight: number, mode: Mode): Promise<Measured> => {
    const server = await holder.use(side);
    const noReport = mode === 'get';
    await runQps({ basePort, threads, inflight, seconds: WARMUP, warmup: 0, noReport });
    const cpu0 = server.cpuSeconds();
    const run = await runQps({ basePort, threads, inflight, seconds: SECONDS, warmup: 0, noReport });
    const cpu = server.cpuSeconds() - cpu0;
    return { ...run, cpuUsPerRequest: run.loops > 0 ? (cpu * 1e6) / run.loops : 0, rssBytes: server.rss() };
  };

  const points: Point[] = [];
  let first: Side = 'floor';
  for (const mode of MODES) {
    for (const threads of THREADS) {
      for (const inflight of INFLIGHT) {
        // Floor and agent back to back with the same client, load and ports;
        // the order alternates (AB, BA, ...) so each switch of the ports'
        // holder serves two runs and drift hits both sides alike.
        const second: Side = first === 'floor' ? 'agent' : 'floor';
        const runs = {
          [first]: await measure(first, threads, inflight, mode),
          [second]: await measure(second, threads, inflight, mode),
        } as Record<Side, Measured>;
        points.push({
          threads,
          inflight,
          mode,
          floor: runs.floor,
          agent: runs.agent,
          ratio: runs.agent.loopsPerSecond / runs.floor.loopsPerSecond,
          cpuRatio: runs.agent.cpuUsPerRequest / runs.floor.cpuUsPerRequest,
        });
        first = second;
      }
    }
  }

  // Low load, floor first: the points end on the floor, and the idle window below wants the agent.
  const lowLoadRun = async (side: Side): Promise<LowLoadResult> => {
    await holder.use(side);
    return runLowLoad({
      host: '127.0.0.1',
      port: basePort + agentPortIndex(LOW_LOAD.modid, LOW_LOAD.cmdid),
      modid: LOW_LOAD.modid,
      cmdid: LOW_LOAD.cmdid,
      count: LOW_LOAD.count,
      warmup: LOW_LOAD.warmup,
    });
  };
  const lowFloor = await lowLoadRun('floor');
  const lowAgent = await lowLoadRun('agent');
  const lowLoad: LowLoad = { floor: lowFloor, agent: lowAgent, p99Ratio: lowAgent.p99Ms / lowFloor.p99Ms };

  // Idle: the agent as a fleet's machines mostly see it, no request for IDLE_SECONDS (after the load above).
  const idleAgent = await holder.use('agent');
  const idleCpu0 = idleAgent.cpuSeconds();
  const idleT0 = performance.now();
  await new Promise((r) => setTimeout(r, IDLE_SECONDS * 1000));
  const idle: Idle = {
    seconds: IDLE_SECONDS,
    cpuPercentOfCore: round3(((idleAgent.cpuSeconds() - idleCpu0) * 100) / ((performance.now() - idleT0) / 1000)),
    rssMiB: mib(idleAgent.rss()),
  };

  let long: LongRun | null = null;
  if (args.long) {
    const agent = await holder.use('agent');
    const rss: number[] = [agent.rss()];
    const sampler = setInterval(() => rss.push(agent.rss()), LONG.rssEveryMs);
    // The agent is warm from the points above: the counted run needs no warm-up, so its CPU window is its loops'.
    const cpu0 = agent.cpuSeconds();
    const run = await runQps({
      basePort,
      threads: LONG.threads,
      inflight: LONG.inflight,
      seconds: LONG.seconds,
      warmup: 0,
    });
    const cpu = agent.cpuSeconds() - cpu0;
    clearInterval(sampler);
    rss.push(agent.rss());
    const stats: Record<string, unknown> = await agent.stats();
    const sumOverWorkers = (v: unknown) => Object.values(v as Record<string, number>).reduce((a, b) => a + b, 0);
    long = {
      threads: LONG.threads,
      inflight: LONG.inflight,
      seconds: LONG.seconds,
      loopsPerSecond: Math.round(run.loopsPerSecond),
      p50Ms: round3(run.p50Ms),
      p99Ms: round3(run.p99Ms),
      errors: run.errors,
      cpuUsPerRequest: round3(run.loops > 0 ? (cpu * 1e6) / run.loops : 0),
      rssMiB: rss.map(mib),
      // From the first sample under load (5 s in) to the end: flat memory keeps this near 0.
      rssGrowthMiB: mib(rss[rss.length - 1] - rss[Math.min(1, rss.length - 1)]),
      agent: {
        // Worker counters are per worker in /stats ({ '0': n, '1': n, '2': n }).
        getHostRequests: sumOverWorkers(stats.getHostRequests),
        reportRequests: sumOverWorkers(stats.reportRequests),
        reportsSent: stats.reportsSent as number,
        reportsDropped: stats.reportsDropped as number,
      },
    };
  }
  report(points, lowLoad, idle, long);
} finally {
  for (const close of closers.reverse()) {
    // Keep closing the rest; the benchmark's own error (if any) is the one that propagates.
    await close().catch((err: unknown) => process.stderr.write(`cleanup failed: ${String(err)}\n`));
  }
}

function report(points: Point[], lowLoad: LowLoad, idle: Idle, long: LongRun | null): void {
  const side = (r: Measured) => ({
    ...r,
    loopsPerSecond: Math.round(r.loopsPerSecond),
    p50Ms: round3(r.p50Ms),
    p99Ms: round3(r.p99Ms),
    cpuUsPerRequest: round3(r.cpuUsPerRequest),
    rssMiB: mib(r.rssBytes),
  });
  const lowSide = (r: LowLoadResult) => ({
    samples: r.samples,
    errors: r.errors,
    notSucc: r.notSucc,
    p50Ms: round3(r.p50Ms),
    p90Ms: round3(r.p90Ms),
    p99Ms: round3(r.p99Ms),
    p999Ms: round3(r.p999Ms),
    maxMs: round3(r.maxMs),
  });
  const worst = Math.min(...points.map((p) => p.ratio));
  const at10x1 = points.find((p) => p.threads === 10 && p.inflight === 1 && p.mode === 'loop');
  const result = {
    benchmark: 'agent-get-host',
    machine: machine(),
    secondsPerRun: SECONDS,
    client: 'qps tool (packages/tools), --json',
    points: points.map((p) => ({
      threads: p.threads,
      inflight: p.inflight,
      mode: p.mode,
      ratio: round3(p.ratio),
      cpuRatio: round3(p.cpuRatio),
      floor: side(p.floor),
      agent: side(p.agent),
    })),
    ratio: worst,
    goals: {
      ratioAtLeast: GOALS.minRatio,
      ratioMet: worst >= GOALS.minRatio,
      p99MsAt10Threads1InflightBelow: GOALS.maxP99MsAt10x1,
      p99Met: at10x1 !== undefined && at10x1.agent.p99Ms < GOALS.maxP99MsAt10x1,
      idleCpuPercentBelow: GOALS.maxIdleCpuPercent,
      idleMet: idle.cpuPercentOfCore < GOALS.maxIdleCpuPercent,
      lowLoadP99MsAtMost: GOALS.maxLowLoadP99Ms,
      lowLoadP99Met: lowLoad.agent.p99Ms <= GOALS.maxLowLoadP99Ms,
      lowLoadP99RatioAtMost: GOALS.maxLowLoadP99Ratio,
      lowLoadP99RatioMet: lowLoad.p99Ratio <= GOALS.maxLowLoadP99Ratio,
    },
    lowLoad: {
      client: 'bench/agent-get-host-client.c: 1 thread, blocking get_host, 1 in flight',
      modid: LOW_LOAD.modid,
      cmdid: LOW_LOAD.cmdid,
      warmup: LOW_LOAD.warmup,
      p99Ratio: round3(lowLoad.p99Ratio),
      floor: lowSide(lowLoad.floor),
      agent: lowSide(lowLoad.agent),
    },
    idle,
    ...(long === null ? {} : { long }),
  };
  if (args.json) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  const m = result.machine;
  process.stdout.write(
    `agent get_host: ${m.cores} cores, ${m.cpu}, node ${m.node}; client: the qps tool, ${SECONDS} s per run after ${WARMUP} s warm-up, floor and agent back to back; ` +
      `mode loop = get_host then report, get = get_host alone; floor = bare 3-thread UDP echo with canned answers on the same ports; ` +
      `CPU = server process utime + stime per get_host answered\n\n`,
  );
  printTable(
    points.map((p) => ({
      mode: p.mode,
      threads: p.threads,
      inflight: p.inflight,
      'floor loops/s': Math.round(p.floor.loopsPerSecond),
      'agent loops/s': Math.round(p.agent.loopsPerSecond),
      ratio: p.ratio,
      'agent p50 ms': p.agent.p50Ms,
      'agent p99 ms': p.agent.p99Ms,
      'floor p50 ms': p.floor.p50Ms,
      'floor p99 ms': p.floor.p99Ms,
      'agent CPU µs/req': p.agent.cpuUsPerRequest,
      'floor CPU µs/req': p.floor.cpuUsPerRequest,
      'CPU ratio': p.cpuRatio,
      'agent RSS MB': mib(p.agent.rssBytes),
      errors: p.agent.errors + p.floor.errors,
    })),
  );
  const verdict = (met: boolean) => (met ? 'met' : 'NOT met');
  process.stdout.write(
    `\nworst ratio: ${worst.toFixed(3)} (goal >= ${GOALS.minRatio}: ${verdict(result.goals.ratioMet)}); ` +
      `agent p99 at 10 threads x 1: ${at10x1?.agent.p99Ms.toFixed(3)} ms (goal < ${GOALS.maxP99MsAt10x1} ms: ${verdict(result.goals.p99Met)})\n`,
  );
  process.stdout.write(
    `\nlow load: one C client thread, blocking get_host on (${LOW_LOAD.modid}, ${LOW_LOAD.cmdid}), one request in flight, ` +
      `${LOW_LOAD.warmup.toLocaleString('en-US')} untimed round trips first; floor then agent\n\n`,
  );
  printTable(
    (['floor', 'agent'] as const).map((s) => {
      const r = result.lowLoad[s];
      return {
        side: s,
        samples: r.samples,
        'p50 ms': r.p50Ms,
        'p90 ms': r.p90Ms,
        'p99 ms': r.p99Ms,
        'p99.9 ms': r.p999Ms,
        'max ms': r.maxMs,
        errors: r.errors,
        'not SUCC': r.notSucc,
      };
    }),
  );
  process.stdout.write(
    `agent p99 ${result.lowLoad.agent.p99Ms.toFixed(3)} ms (goal <= ${GOALS.maxLowLoadP99Ms} ms: ${verdict(result.goals.lowLoadP99Met)}); ` +
      `agent p99 / floor p99 ${result.lowLoad.p99Ratio.toFixed(3)} (goal <= ${GOALS.maxLowLoadP99Ratio}: ${verdict(result.goals.lowLoadP99RatioMet)})\n\n`,
  );
  process.stdout.write(
    `idle agent (no request for ${idle.seconds} s): ${idle.cpuPercentOfCore.toFixed(2)} % of a core ` +
      `(goal < ${GOALS.maxIdleCpuPercent} %: ${verdict(result.goals.idleMet)}), RSS ${idle.rssMiB} MiB\n`,
  );
  if (long !== null) {
    process.stdout.write(
      `\nlong run, agent only, ${long.threads} threads x ${long.inflight} for ${long.seconds} s: ${long.loopsPerSecond} loops/s, ` +
        `p50 ${long.p50Ms} ms, p99 ${long.p99Ms} ms, errors ${long.errors}, agent CPU ${long.cpuUsPerRequest} µs per get_host\n` +
        `agent RSS MiB (every ${LONG.rssEveryMs / 1000} s): ${long.rssMiB.join(', ')}; growth after the first 5 s: ${long.rssGrowthMiB} MiB\n` +
        `agent counters: ${JSON.stringify(long.agent)}\n`,
    );
  }
}
