import type { SharedCounters } from '@lars/reactor';
import type { UdpStats } from '@lars/wire';
import type { RouteBookCounters } from './route-book.js';

/** The counters AgentCore keeps itself (the rest are its RouteBook's and its UdpServer's). */
export interface AgentCoreCounters {
  /** Requests for a key another worker owns (get_host answered SYSTEM_ERROR, report dropped, get_route empty). */
  wrongPort: number;
  /** API_GetRoute replies cut to the hosts one datagram holds. */
  truncatedRoutes: number;
  /** Records for the main thread (pulls, report snapshots) its queue refused. */
  outputRefused: number;
}

/** Where a worker counter is counted: its RouteBook, its UdpServer, or the core itself. */
export interface WorkerCounterSources {
  book: Readonly<RouteBookCounters>;
  udp: Readonly<UdpStats>;
  core: Readonly<AgentCoreCounters>;
}
type Source = keyof WorkerCounterSources;

/**
 * One worker counter: its name, where it comes from, what it means, its
 * `/stats` key when not `name`, and `type: 'gauge'` for a level (a counter
 * otherwise). agent-metrics.ts makes each one a `{worker}`-labelled metric.
 */
type WorkerCounterSpec = {
  [S in Source]: {
    name: keyof WorkerCounterSources[S] & string;
    from: S;
    help: string;
    statsKey?: string;
    type?: 'gauge';
  };
}[Source];

/**
 * Every counter an agent UDP worker publishes, written once. The worker's
 * SharedCounters layout (one row per worker), what a worker publishes, the
 * agent's metric list (agent-metrics.ts: `/stats` per worker under
 * `statsKey ?? name`, `/metrics` with a `worker` label), Agent.stats()
 * (totals) and Agent.workerStats() (per worker) are derived from it; a test checks that every RouteBook and
 * UdpServer counter is in it.
 */
export const WORKER_COUNTERS = [
  { name: 'getHost', from: 'book', statsKey: 'getHostRequests', help: 'get_host requests of keys this worker owns.' },
  { name: 'report', from: 'book', statsKey: 'reportRequests', help: 'Report requests of keys this worker owns.' },
  {
    name: 'getRoute',
    from: 'book',
    statsKey: 'getRouteRequests',
    help: 'API_GetRoute requests of keys this worker owns.',
  },
  { name: 'wrongPort', from: 'core', help: 'Requests for a key another port owns (get_host answered SYSTEM_ERROR).' },
  { name: 'picksSucc', from: 'book', help: 'get_host answered SUCC with a host.' },
  {
    name: 'picksInThread',
    from: 'book',
    help: "Of picksSucc, those answered by the native socket's own thread from the get_host table.",
  },
  {
    name: 'picksOverload',
    from: 'book',
    help: 'get_host answered OVERLOAD (every host overloaded, not a probe turn).',
  },
  {
    name: 'picksNoexist',
    from: 'book',
    help: 'get_host answered NOEXIST (the route holds no host, or is not pulled yet).',
  },
  { name: 'toOverload', from: 'book', help: 'Hosts moved idle -> overload.' },
  { name: 'toIdle', from: 'book', help: 'Hosts moved overload -> idle (by report or overload_timeout).' },
  { name: 'reportsOk', from: 'book', help: 'Reports applied to a host of a held route.' },
  { name: 'reportsUnknownRoute', from: 'book', help: 'Reports for a route not held (dropped).' },
  { name: 'reportsUnknownHost', from: 'book', help: 'Reports for a host the route does not hold (dropped).' },
  { name: 'pulls', from: 'book', help: 'GetRouteRequests handed to the main thread for the DNS.' },
  {
    name: 'routesOverLimit',
    from: 'book',
    help: 'get_host/get_route for an unknown key answered NOEXIST with no state: maxRoutes routes held.',
  },
  { name: 'responsesIgnored', from: 'book', help: 'GetRouteResponses for a key not held (ignored).' },
  { name: 'routes', from: 'book', type: 'gauge', help: 'Routes held now.' },
  { name: 'routesForgotten', from: 'book', help: 'Routes dropped after 10 x update_timeout unused.' },
  { name: 'snapshots', from: 'book', help: 'ReportStatusRequests handed to the main thread for the reporter.' },
  { name: 'snapshotsImmediate', from: 'book', help: 'Of snapshots, those sent at once before a host counter reset.' },
  {
    name: 'outputRefused',
    from: 'core',
    statsKey: 'workerOutputRefused',
    help: 'Records to the main thread its full queue refused.',
  },
  { name: 'truncatedRoutes', from: 'core', help: 'API_GetRoute replies cut to the hosts one datagram holds.' },
  { name: 'datagramsIn', from: 'udp', help: 'Datagrams received.' },
  { name: 'framesIn', from: 'udp', help: 'Well-formed frames received.' },
  { name: 'framesOut', from: 'udp', help: 'Frames sent.' },
  { name: 'badFrames', from: 'udp', help: 'Datagrams shorter than a header or with a bad msglen (dropped).' },
  { name: 'lengthMismatch', from: 'udp', help: 'Datagrams whose length is not 8 + msglen (dropped).' },
  { name: 'unknownMsgid', from: 'udp', help: 'Frames with a msgid the agent does not serve (dropped).' },
  { name: 'badBody', from: 'udp', help: 'Frames whose body did not decode (dropped).' },
  { name: 'handlerErrors', from: 'udp', help: 'Requests whose handler threw (logged).' },
  { name: 'tooLarge', from: 'udp', help: 'Replies larger than a datagram (not sent).' },
  { name: 'rejectedSends', from: 'udp', help: 'Replies attempted while the socket was not open.' },
  { name: 'sendErrors', from: 'udp', help: 'Socket send errors.' },
] as const satisfies readonly WorkerCounterSpec[];

export type WorkerCounter = (typeof WORKER_COUNTERS)[number]['name'];
export type WorkerCounterEntry = (typeof WORKER_COUNTERS)[number];
/** The key of a counter's total in Agent.stats(). */
export type WorkerStatsKey = WorkerCounterEntry extends infer E
  ? E extends { statsKey: infer K }
    ? K
    : E extends { name: infer N }
      ? N
      : never
  : never;

/** The counter names in layout order: the columns of the workers' SharedCounters. */
export const WORKER_COUNTER_NAMES: readonly WorkerCounter[] = WORKER_COUNTERS.map((c) => c.name);

/** Copies one worker's counters into its row (every statsIntervalMs and at shutdown; not on the request path). */
export function publishWorkerCounters(
  target: SharedCounters<WorkerCounter>,
  row: number,
  sources: WorkerCounterSources,
): void {
  for (const c of WORKER_COUNTERS) {
    target.set(row, c.name, (sources[c.from] as unknown as Record<string, number>)[c.name]);
  }
}

/** A counter's key in `/stats` and Agent.stats(). */
export function workerStatsKey(c: WorkerCounterEntry): WorkerStatsKey {
  return ('statsKey' in c ? c.statsKey : c.name) as WorkerStatsKey;
}

/** Each counter's total over every worker, under its Agent.stats() key. */
export function workerCounterTotals(counters: SharedCounters<WorkerCounter>): Record<WorkerStatsKey, number> {
  const out: Record<string, number> = {};
  for (const c of WORKER_COUNTERS) out[workerStatsKey(c)] = counters.total(c.name);
  return out as Record<WorkerStatsKey, number>;
}

/** Each counter per worker (`{ '0': n, '1': n, ... }`), under its `/stats` key. */
export function workerCounterRows(
  counters: SharedCounters<WorkerCounter>,
): Record<WorkerStatsKey, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const c of WORKER_COUNTERS) out[workerStatsKey(c)] = counters.perRow(c.name);
  return out as Record<WorkerStatsKey, Record<string, number>>;
}

/** One worker's counters, under their names. */
export function workerCounterRow(counters: SharedCounters<WorkerCounter>, row: number): Record<WorkerCounter, number> {
  const out: Record<string, number> = {};
  for (const c of WORKER_COUNTERS) out[c.name] = counters.get(row, c.name);
  return out as Record<WorkerCounter, number>;
}
