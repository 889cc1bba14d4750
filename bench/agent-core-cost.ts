// Agent core cost (benchmarks.md): the socket-free AgentCore in a tight loop,
// get_host on a route of a few hosts with replies (encoded, as the worker
// sends them) to a no-op target, so no socket, thread or kernel noise can
// hide a cost. Nanoseconds per get_host without the get_host service-time
// histogram (AgentCoreOptions.latency), with it as the agent runs it (one
// get_host in 16 timed), and with every get_host timed; each the median of
// rotated runs so drift hits every side alike.
import { AGENT_PORTS, encodeBody, MessageId } from '@lars/proto';
import { SharedHistogram } from '@lars/reactor';
import { SendOutcome } from '@lars/wire';
import {
  AgentCore,
  DEFAULT_LATENCY_SAMPLE_EVERY,
  LOAD_BALANCE_DEFAULTS,
  routeRecord,
  type AgentReplyTarget,
} from '@lars/agent/internal';
import { machine, parseBenchArgs, percentile, printTable } from './bench-common.js';

const args = parseBenchArgs();
const RUNS = args.long ? 31 : 15;
const CALLS_PER_RUN = args.long ? 1_000_000 : 300_000;
const WARMUP_CALLS = 200_000;
const HOSTS = 4;
const GOAL = { maxOverheadPercent: 5 } as const;
/** A key worker 0 owns: (1 + 2) % 3 = 0. */
const KEY = { modid: 1, cmdid: 2 } as const;

/** No histogram; the histogram with its default sampling; every get_host timed. */
const SIDES = ['plain', 'sampled', 'every'] as const;
type Side = (typeof SIDES)[number];
const LABEL: Record<Side, string> = {
  plain: 'no histogram',
  sampled: `histogram, 1 in ${DEFAULT_LATENCY_SAMPLE_EVERY} timed (default)`,
  every: 'histogram, every get_host timed',
};

/** Takes the reply and does nothing with it, as cheaply as a target can. */
const noop: AgentReplyTarget = { sendRaw: () => SendOutcome.SENT };

function makeCore(side: Side): AgentCore {
  const core = new AgentCore({
    index: 0,
    loadBalance: { ...LOAD_BALANCE_DEFAULTS },
    caller: 2130706433,
    toMain: () => true,
    latency: side === 'plain' ? undefined : SharedHistogram.create(AGENT_PORTS),
    latencySampleEvery: side === 'every' ? 1 : undefined,
  });
  core.getHost({ seq: 0, ...KEY }, noop);
  const host = Array.from({ length: HOSTS }, (_, i) => ({ ip: 167772161 + i, port: 8000 + i }));
  core.onMainRecord(routeRecord(core.index, encodeBody(MessageId.GetRouteResponse, { ...KEY, host })));
  return core;
}

const cores = Object.fromEntries(SIDES.map((side) => [side, makeCore(side)])) as Record<Side, AgentCore>;
const request = { seq: 0, ...KEY };

/** ns per get_host over `calls` calls. */
function run(core: AgentCore, calls: number): number {
  const start = performance.now();
  for (let i = 0; i < calls; i++) {
    request.seq = i;
    core.getHost(request, noop);
  }
  return ((performance.now() - start) * 1e6) / calls;
}

for (const side of SIDES) run(cores[side], WARMUP_CALLS);
const samples: Record<Side, number[]> = { plain: [], sampled: [], every: [] };
for (let r = 0; r < RUNS; r++) {
  // Rotate the order each round (ABC, BCA, CAB, ...) so drift hits every side alike.
  for (let k = 0; k < SIDES.length; k++) {
    const side = SIDES[(r + k) % SIDES.length];
    samples[side].push(run(cores[side], CALLS_PER_RUN));
  }
}

const median = (xs: number[]) => percentile(xs, 50);
const round1 = (v: number) => Math.round(v * 10) / 10;
// The added cost is taken per round (each side against the plain run of the same round, back to back),
// then the median of those: drift between rounds cancels out.
const side = (s: Side) => {
  const ns = median(samples[s]);
  const added = samples[s].map((v, r) => v - samples.plain[r]);
  const ratios = samples[s].map((v, r) => (v / samples.plain[r] - 1) * 100);
  return {
    nsPerGetHost: round1(ns),
    overheadNs: round1(median(added)),
    overheadPercent: round1(median(ratios)),
    runs: samples[s].map(round1),
  };
};
const results = Object.fromEntries(SIDES.map((s) => [s, side(s)])) as Record<Side, ReturnType<typeof side>>;
const result = {
  benchmark: 'agent-core-cost',
  machine: machine(),
  hosts: HOSTS,
  runs: RUNS,
  callsPerRun: CALLS_PER_RUN,
  clock: 'performance.now()',
  ...results,
  goals: {
    overheadPercentAtMost: GOAL.maxOverheadPercent,
    met: results.sampled.overheadPercent <= GOAL.maxOverheadPercent,
  },
};

if (args.json) {
  process.stdout.write(`${JSON.stringify(result)}\n`);
} else {
  const m = result.machine;
  process.stdout.write(
    `agent core cost: ${m.cores} cores, ${m.cpu}, node ${m.node}; AgentCore.getHost on a route of ${HOSTS} hosts, ` +
      `replies encoded to a no-op target; ${RUNS} rotated rounds of ${CALLS_PER_RUN.toLocaleString('en-US')} calls per side; medians, added = median over rounds against the same round's plain run; clock performance.now()\n\n`,
  );
  printTable(
    SIDES.map((s) => ({
      core: LABEL[s],
      'ns/get_host': results[s].nsPerGetHost,
      'added ns': results[s].overheadNs,
      'added %': results[s].overheadPercent,
      'min ns': Math.min(...results[s].runs),
      'max ns': Math.max(...results[s].runs),
    })),
  );
  process.stdout.write(
    `\nrecording (default sampling) adds ${results.sampled.overheadPercent} % ` +
      `(goal <= ${GOAL.maxOverheadPercent} %: ${result.goals.met ? 'met' : 'NOT met'})\n`,
  );
}
