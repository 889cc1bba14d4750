// The agent benchmark's table and --json (bench/agent-get-host.ts measures).
import type { LowLoadResult } from './agent-c-client.js';
import { type BenchArgs, machine, printTable } from './bench-common.js';
import {
  AGENT_SIDES,
  GOALS,
  REFERENCE_SIDES,
  mib,
  round3,
  type Idle,
  type LongRun,
  type LowLoad,
  type Measured,
  type Point,
  type ReferencePoint,
  type ThreadsRss,
} from './agent-get-host-types.js';

export interface Report {
  points: Point[];
  reference: ReferencePoint[];
  lowLoad: LowLoad;
  threadsRss: ThreadsRss[];
  idle: Idle;
  long: LongRun | null;
  args: BenchArgs;
  /** The run's constants, echoed into the output. */
  settings: {
    SECONDS: number;
    WARMUP: number;
    LONG: { threads: number; inflight: number; seconds: number; rssEveryMs: number };
    LOW_LOAD: { modid: number; cmdid: number; count: number; warmup: number };
    THREADS_RSS: { clientThreads: number; inflight: number; seconds: number };
  };
}

const side = (r: Measured) => ({
  loopsPerSecond: Math.round(r.loopsPerSecond),
  p50Ms: round3(r.p50Ms),
  p99Ms: round3(r.p99Ms),
  cpuUsPerRequest: round3(r.cpuUsPerRequest),
  rssMiB: mib(r.rssBytes),
  loops: r.loops,
  errors: r.errors,
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

const verdict = (met: boolean) => (met ? 'met' : 'NOT met');

export function report(r: Report): void {
  const { points, reference, lowLoad, threadsRss, idle, long, settings } = r;
  const cpuRatio = (p: Point, s: (typeof AGENT_SIDES)[number]) => p.agent[s].cpuUsPerRequest / p.floor.cpuUsPerRequest;
  const nativeVsDgram = (p: Point) => p.agent.native.loopsPerSecond / p.agent.dgram.loopsPerSecond;
  const cpuPoints = points.filter(
    (p) => p.mode === 'get' && (GOALS.cpuRatioThreads as readonly number[]).includes(p.threads),
  );
  const worstCpuRatio = Math.max(...cpuPoints.map((p) => cpuRatio(p, 'native')));
  const worstNativeVsDgram = Math.min(...points.map(nativeVsDgram));
  const lowRatio = lowLoad.agent.native.p99Ms / lowLoad.floor.p99Ms;
  const longRss = long === null ? null : long.rssMiB[long.rssMiB.length - 1];
  const result = {
    benchmark: 'agent-get-host',
    machine: machine(),
    secondsPerRun: settings.SECONDS,
    client: 'qps tool (packages/tools), --json',
    points: points.map((p) => ({
      threads: p.threads,
      inflight: p.inflight,
      mode: p.mode,
      floor: side(p.floor),
      ...Object.fromEntries(
        AGENT_SIDES.map((s) => [
          s,
          {
            ...side(p.agent[s]),
            ratio: round3(p.agent[s].loopsPerSecond / p.floor.loopsPerSecond),
            cpuRatio: round3(cpuRatio(p, s)),
          },
        ]),
      ),
      nativeVsDgram: round3(nativeVsDgram(p)),
    })),
    reference: reference.map((p) => {
      const vsFloor = (m: Measured) => ({ ...side(m), cpuRatio: round3(m.cpuUsPerRequest / p.floor.cpuUsPerRequest) });
      return {
        threads: p.threads,
        inflight: p.inflight,
        mode: 'get',
        floor: side(p.floor),
        native: vsFloor(p.native),
        ...Object.fromEntries(REFERENCE_SIDES.map((s) => [s, vsFloor(p.reference[s])])),
      };
    }),
    lowLoad: {
      client: 'bench/agent-get-host-client.c: 1 thread, blocking get_host, 1 in flight',
      ...settings.LOW_LOAD,
      floor: lowSide(lowLoad.floor),
      ...Object.fromEntries(AGENT_SIDES.map((s) => [s, lowSide(lowLoad.agent[s])])),
      nativeP99Ratio: round3(lowRatio),
    },
    threadsRss,
    idle,
    ...(long === null ? {} : { long }),
    goals: {
      nativeCpuRatioAtMost: GOALS.maxNativeCpuRatio,
      worstNativeCpuRatio: round3(worstCpuRatio),
      cpuRatioMet: worstCpuRatio <= GOALS.maxNativeCpuRatio,
      nativeVsDgramAtLeast: GOALS.minNativeVsDgram,
      worstNativeVsDgram: round3(worstNativeVsDgram),
      nativeVsDgramMet: worstNativeVsDgram >= GOALS.minNativeVsDgram,
      rssMiBAtMost: GOALS.maxRssMiB,
      longRssMiB: longRss,
      rssMet: longRss === null ? null : longRss <= GOALS.maxRssMiB,
      idleCpuPercentBelow: GOALS.maxIdleCpuPercent,
      idleMet: idle.cpuPercentOfCore < GOALS.maxIdleCpuPercent,
      lowLoadP99MsAtMost: GOALS.maxLowLoadP99Ms,
      lowLoadP99Met: lowLoad.agent.native.p99Ms <= GOALS.maxLowLoadP99Ms,
      lowLoadP99RatioAtMost: GOALS.maxLowLoadP99Ratio,
      lowLoadP99RatioMet: lowRatio <= GOALS.maxLowLoadP99Ratio,
    },
  };
  if (r.args.json) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  const m = result.machine;
  const g = result.goals;
  process.stdout.write(
    `agent get_host: ${m.cores} cores, ${m.cpu}, node ${m.node}; client: the qps tool, ${settings.SECONDS} s per run after ${settings.WARMUP} s warm-up, ` +
      `floor and the agent on each transport back to back; mode loop = get_host then report, get = get_host alone; ` +
      `floor = bare 3-thread node:dgram echo with canned answers on the same ports; CPU = server process utime + stime per get_host answered\n\n`,
  );
  printTable(
    points.flatMap((p) =>
      AGENT_SIDES.map((s) => ({
        mode: p.mode,
        threads: p.threads,
        inflight: p.inflight,
        transport: s,
        'floor loops/s': Math.round(p.floor.loopsPerSecond),
        'agent loops/s': Math.round(p.agent[s].loopsPerSecond),
        ratio: p.agent[s].loopsPerSecond / p.floor.loopsPerSecond,
        'native/dgram': s === 'native' ? nativeVsDgram(p) : '',
        'agent p50 ms': p.agent[s].p50Ms,
        'agent p99 ms': p.agent[s].p99Ms,
        'floor p50 ms': p.floor.p50Ms,
        'floor p99 ms': p.floor.p99Ms,
        'agent CPU µs/req': p.agent[s].cpuUsPerRequest,
        'floor CPU µs/req': p.floor.cpuUsPerRequest,
        'CPU ratio': cpuRatio(p, s),
        'agent RSS MB': mib(p.agent[s].rssBytes),
        errors: p.agent[s].errors + p.floor.errors,
      })),
    ),
  );
  process.stdout.write(
    `\nnative CPU per get_host / floor's, pure get_host at ${GOALS.cpuRatioThreads.join(' and ')} client threads: worst ${g.worstNativeCpuRatio} ` +
      `(goal <= ${GOALS.maxNativeCpuRatio}: ${verdict(g.cpuRatioMet)}); native loops/s / dgram's, worst point ${g.worstNativeVsDgram} ` +
      `(goal >= ${GOALS.minNativeVsDgram}: ${verdict(g.nativeVsDgramMet)})\n`,
  );
  process.stdout.write(
    `\nreference, pure get_host: the same canned answers as the floor from C (bench/agent-echo-reference.c), back to back with the floor ` +
      `and the native agent: c-epoll = one thread, epoll, recvmmsg/sendmmsg (the native agent's design without Node); ` +
      `c-threads = a blocking thread per port (the original agent's design)\n\n`,
  );
  printTable(
    reference.flatMap((p) =>
      (['floor', 'native', ...REFERENCE_SIDES] as const).map((s) => {
        const m = s === 'floor' ? p.floor : s === 'native' ? p.native : p.reference[s];
        return {
          threads: p.threads,
          inflight: p.inflight,
          server: s,
          'loops/s': Math.round(m.loopsPerSecond),
          'p50 ms': m.p50Ms,
          'p99 ms': m.p99Ms,
          'CPU µs/req': m.cpuUsPerRequest,
          'CPU / floor': m.cpuUsPerRequest / p.floor.cpuUsPerRequest,
          errors: m.errors,
        };
      }),
    ),
  );
  const { LOW_LOAD } = settings;
  process.stdout.write(
    `\nlow load: one C client thread, blocking get_host on (${LOW_LOAD.modid}, ${LOW_LOAD.cmdid}), one request in flight, ` +
      `${LOW_LOAD.warmup.toLocaleString('en-US')} untimed round trips first\n\n`,
  );
  printTable(
    (['floor', ...AGENT_SIDES] as const).map((s) => {
      const l = s === 'floor' ? lowLoad.floor : lowLoad.agent[s];
      return {
        side: s,
        samples: l.samples,
        'p50 ms': round3(l.p50Ms),
        'p90 ms': round3(l.p90Ms),
        'p99 ms': round3(l.p99Ms),
        'p99.9 ms': round3(l.p999Ms),
        'max ms': round3(l.maxMs),
        errors: l.errors,
        'not SUCC': l.notSucc,
      };
    }),
  );
  process.stdout.write(
    `native agent p99 ${lowLoad.agent.native.p99Ms.toFixed(3)} ms (goal <= ${GOALS.maxLowLoadP99Ms} ms: ${verdict(g.lowLoadP99Met)}); ` +
      `native p99 / floor p99 ${lowRatio.toFixed(3)} (goal <= ${GOALS.maxLowLoadP99Ratio}: ${verdict(g.lowLoadP99RatioMet)})\n`,
  );
  const t = settings.THREADS_RSS;
  process.stdout.write(
    `\nnative agent RSS per [agent] threads, after ${t.seconds} s of pure get_host at ${t.clientThreads} x ${t.inflight}: ` +
      `${threadsRss.map((x) => `${x.threads} thread(s) ${x.rssMiB} MiB (${x.loopsPerSecond} loops/s)`).join('; ')}\n`,
  );
  process.stdout.write(
    `idle agent (no request for ${idle.seconds} s): ${idle.cpuPercentOfCore.toFixed(2)} % of a core ` +
      `(goal < ${GOALS.maxIdleCpuPercent} %: ${verdict(g.idleMet)}), RSS ${idle.rssMiB} MiB\n`,
  );
  if (long !== null) {
    const L = settings.LONG;
    process.stdout.write(
      `\nlong run, default agent (native) only, ${long.threads} threads x ${long.inflight} for ${long.seconds} s: ${long.loopsPerSecond} loops/s, ` +
        `p50 ${long.p50Ms} ms, p99 ${long.p99Ms} ms, errors ${long.errors}, agent CPU ${long.cpuUsPerRequest} µs per get_host\n` +
        `agent RSS MiB (every ${L.rssEveryMs / 1000} s): ${long.rssMiB.join(', ')}; growth after the first 5 s: ${long.rssGrowthMiB} MiB ` +
        `(goal <= ${GOALS.maxRssMiB} MiB at the end: ${verdict(g.rssMet === true)})\n` +
        `agent counters: ${JSON.stringify(long.agent)}\n`,
    );
  }
}
