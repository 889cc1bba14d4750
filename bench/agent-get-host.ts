// Agent get_host (benchmarks.md): the qps tool's client loop in 1, 2 and 10
// client threads with 1 and 16 loops in flight each, in two modes: the full
// loop (get_host, then a report for the host picked) and get_host alone
// (qps --no-report). Against a real agent on each transport ([agent]
// transport = native and = dgram, with its DNS, reporter and a database of
// sample routes, each in its own process) and against the floor: a bare
// three-thread UDP echo on the same three ports that answers with canned
// bytes (no decode, no LB). Reports loops/s for both, the ratio
// agent / floor, latency percentiles, and CPU per request of each side: the
// server process's utime + stime (/proc/PID/stat) over the counted run,
// divided by the get_host requests answered in it. A warm-up run before
// each counted one keeps JIT warm-up out, and the counted run starts with
// no warm-up of its own, so the CPU window and the loops counted match
// (the qps process's start, while its threads connect, costs the server
// nothing). Then the low-load section: one C client thread
// (agent-get-host-client.c) doing blocking get_host, one request in flight,
// against the floor and then the agent, for the latency tail a lightly
// loaded agent adds over the bare transport; the native agent's RSS per
// [agent] threads; the idle agent's CPU; and with --long a 60 s full-rate
// run of the default agent with its RSS sampled.
import { execFileSync } from 'node:child_process';
import { agentPortIndex } from '@lars/proto';
import { loadSampleRoutes } from '../test-support/db.js';
import { mysqlSection } from '../test-support/daemon-process.js';
import { freePortRange } from '../test-support/ports.js';
import { REPO_ROOT } from '../test-support/repo-paths.js';
import { parseBenchArgs } from './bench-common.js';
import { startDaemon, type DaemonProcess, type ServerProcess } from './daemon-harness.js';
import { startReference } from './agent-echo-reference.js';
import { benchDatabase, startDnsProcess } from './dns-harness.js';
import { type LowLoadResult, runLowLoad } from './agent-c-client.js';
import { runQps } from './agent-qps.js';
import { report } from './agent-get-host-report.js';
import {
  AGENT_SIDES,
  MODES,
  REFERENCE_SIDES,
  isReferenceSide,
  mib,
  round3,
  type AgentSide,
  type Idle,
  type LongRun,
  type LowLoad,
  type Measured,
  type Mode,
  type Point,
  type ReferencePoint,
  type ReferenceSide,
  type Side,
  type ThreadsRss,
} from './agent-get-host-types.js';

const args = parseBenchArgs();
const THREADS = [1, 2, 10] as const;
const INFLIGHT = [1, 16] as const;
// 12 points x 3 sides, each a qps process after a warm-up one (with the
// reference runs and the rest, the default run takes seven to ten minutes,
// most of it starting qps processes). Each run loops WARMUP seconds before it
// counts, so JIT warm-up of freshly started threads stays out of the figures.
const SECONDS = 1.5;
const WARMUP = 0.5;
const LONG = { threads: 10, inflight: 16, seconds: 60, rssEveryMs: 5000 } as const;
/** The RSS-per-thread-count runs: full rate, pure get_host, this long each. */
const THREADS_RSS = { agentThreads: [0, 1, 2, 3], clientThreads: 10, inflight: 16, seconds: 3 } as const;
/**
 * The low-load run: the qps tool's first thread's key (modid 1, cmdid 1, in
 * the sample routes), 100,000 timed round trips (p99.9 rests on 100 samples)
 * after 20,000 untimed ones, which cover the agent's route pull (NOEXIST
 * answers) and JIT warm-up of the freshly started process. About 2-5 s a side.
 */
const LOW_LOAD = { modid: 1, cmdid: 1, count: 100_000, warmup: 20_000 } as const;
/**
 * The reference runs: pure get_host at the client thread counts of the CPU
 * goal, on the floor, the native agent and the C reference servers back to
 * back, so the kernel's share of a request on this machine is measured beside
 * the goal's points.
 */
const REFERENCE = { threads: [2, 10], inflight: [1, 16] } as const;
/** The idle window: the agent serves nothing for this long. */
const IDLE_SECONDS = 10;

/**
 * The agent runs from the build, as run_lars.sh runs it (the benchmark builds
 * first): from the sources through tsx it carries a loader thread per thread
 * and the compiler's heap, about 100 MiB of RSS a deployment never has.
 */
const entry = (side: Side) => (side === 'floor' ? 'bench/agent-echo-server.ts' : 'packages/agent/dist/main.js');

/** What holds the three UDP ports: the floor, or the agent on a transport with a thread count (default: its own). */
interface Holder {
  side: Side;
  threads?: number;
}

/**
 * Whichever side currently holds the three UDP ports: the floor and the
 * agents take turns on the same ports, so each switch stops one process and
 * starts the other.
 */
class PortHolder {
  private key = '';
  private daemon: DaemonProcess | null = null;

  constructor(private readonly conf: (statsPort: number, holder: Holder) => string) {}

  async use(holder: Holder): Promise<DaemonProcess> {
    const key = `${holder.side}/${holder.threads ?? ''}`;
    if (this.key !== key || this.daemon === null) {
      await this.release();
      this.daemon = await startDaemon(entry(holder.side), (port) => this.conf(port, holder), { reactor: false });
      this.key = key;
    }
    return this.daemon;
  }

  async release(): Promise<void> {
    const daemon = this.daemon;
    this.daemon = null;
    this.key = '';
    await daemon?.stop();
  }
}

const closers: Array<() => Promise<void>> = [];
/** Registers what `starting` yields for closing at the end, whether or not the benchmark gets there. */
function owned<T>(starting: Promise<T>, close: (resource: T) => Promise<void>): Promise<T> {
  closers.push(() => starting.then(close, () => undefined));
  return starting;
}

const sumOverPorts = (v: unknown) => Object.values(v as Record<string, number>).reduce((a, b) => a + b, 0);

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
  const holder = new PortHolder((statsPort, h) => {
    const agentKeys =
      h.side === 'floor' ? '' : `transport = ${h.side}\n${h.threads === undefined ? '' : `threads = ${h.threads}\n`}`;
    return (
      `[dnsserver]\nip = 127.0.0.1\nport = ${dns.port}\n[reporter]\nip = 127.0.0.1\nport = ${reporter.port}\n` +
      `[loadbalance]\nlocal_ip = 127.0.0.1\n[agent]\nip = 127.0.0.1\nbase_port = ${basePort}\n${agentKeys}` +
      `[stats]\nport = ${statsPort}\n`
    );
  });
  closers.push(() => holder.release());
  const measureOn = async (server: ServerProcess, threads: number, inflight: number, mode: Mode): Promise<Measured> => {
    const noReport = mode === 'get';
    await runQps({ basePort, threads, inflight, seconds: WARMUP, warmup: 0, noReport });
    const cpu0 = server.cpuSeconds();
    const run = await runQps({ basePort, threads, inflight, seconds: SECONDS, warmup: 0, noReport });
    const cpu = server.cpuSeconds() - cpu0;
    return { ...run, cpuUsPerRequest: run.loops > 0 ? (cpu * 1e6) / run.loops : 0, rssBytes: server.rss() };
  };
  const measure = async (side: Side, threads: number, inflight: number, mode: Mode): Promise<Measured> =>
    measureOn(await holder.use({ side }), threads, inflight, mode);
  /** A reference server holds the ports for one run (it starts in milliseconds: no process to keep warm). */
  const measureReference = async (side: ReferenceSide, threads: number, inflight: number): Promise<Measured> => {
    await holder.release();
    const server = await startReference('127.0.0.1', basePort, side);
    try {
      return await measureOn(server, threads, inflight, 'get');
    } finally {
      await server.stop();
    }
  };

  const points: Point[] = [];
  // The sides of a point back to back with the same client, load and ports;
  // the order reverses at every point (F N D, D N F, ...) so each switch of
  // the ports' holder serves two runs and drift hits every side alike.
  let order: Side[] = ['floor', ...AGENT_SIDES];
  for (const mode of MODES) {
    for (const threads of THREADS) {
      for (const inflight of INFLIGHT) {
        const runs = {} as Record<Side, Measured>;
        for (const side of order) runs[side] = await measure(side, threads, inflight, mode);
        points.push({ threads, inflight, mode, floor: runs.floor, agent: { native: runs.native, dgram: runs.dgram } });
        order = [...order].reverse();
      }
    }
  }

  // Reference: the CPU goal's pure get_host points again, with the C servers beside the floor and the native agent.
  const reference: ReferencePoint[] = [];
  let referenceOrder: Array<Side | ReferenceSide> = ['floor', 'native', ...REFERENCE_SIDES];
  for (const threads of REFERENCE.threads) {
    for (const inflight of REFERENCE.inflight) {
      const runs = {} as Record<Side | ReferenceSide, Measured>;
      for (const side of referenceOrder)
        runs[side] = isReferenceSide(side)
          ? await measureReference(side, threads, inflight)
          : await measure(side, threads, inflight, 'get');
      const c = Object.fromEntries(REFERENCE_SIDES.map((s) => [s, runs[s]])) as Record<ReferenceSide, Measured>;
      reference.push({ threads, inflight, floor: runs.floor, native: runs.native, reference: c });
      referenceOrder = [...referenceOrder].reverse();
    }
  }

  // Low load: one C client thread, on the floor and on each transport.
  const lowLoadRun = async (side: Side): Promise<LowLoadResult> => {
    await holder.use({ side });
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
  const lowAgent = {} as Record<AgentSide, LowLoadResult>;
  for (const side of AGENT_SIDES) lowAgent[side] = await lowLoadRun(side);
  const lowLoad: LowLoad = { floor: lowFloor, agent: lowAgent };

  // RSS per thread count: the native agent after a short full-rate run of pure get_host.
  const threadsRss: ThreadsRss[] = [];
  for (const threads of THREADS_RSS.agentThreads) {
    const agent = await holder.use({ side: 'native', threads });
    const { clientThreads, inflight, seconds } = THREADS_RSS;
    const run = await runQps({ basePort, threads: clientThreads, inflight, seconds, warmup: 0, noReport: true });
    threadsRss.push({ threads, loopsPerSecond: Math.round(run.loopsPerSecond), rssMiB: mib(agent.rss()) });
  }

  // Idle: the default agent as a fleet's machines mostly see it, no request for IDLE_SECONDS (after a load).
  const idleAgent = await holder.use({ side: 'native' });
  await runQps({ basePort, threads: 2, inflight: 1, seconds: 1, warmup: 0 });
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
    const agent = await holder.use({ side: 'native' });
    const rss: number[] = [agent.rss()];
    const sampler = setInterval(() => rss.push(agent.rss()), LONG.rssEveryMs);
    // The agent is warm from the idle window's load: the counted run needs no warm-up, so its CPU window is its loops'.
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
        // Worker counters are per port in /stats ({ '0': n, '1': n, '2': n }).
        getHostRequests: sumOverPorts(stats.getHostRequests),
        reportRequests: sumOverPorts(stats.reportRequests),
        reportsSent: stats.reportsSent as number,
        reportsDropped: stats.reportsDropped as number,
      },
    };
  }
  report({
    points,
    reference,
    lowLoad,
    threadsRss,
    idle,
    long,
    args,
    settings: { SECONDS, WARMUP, LONG, LOW_LOAD, THREADS_RSS },
  });
} finally {
  for (const close of closers.reverse()) {
    // Keep closing the rest; the benchmark's own error (if any) is the one that propagates.
    await close().catch((err: unknown) => process.stderr.write(`cleanup failed: ${String(err)}\n`));
  }
}
