import type { DaemonReading } from './daemon-stats-client.js';
import type { StatsAddress } from './web-options.js';

/** A counter's value and when it was read (unix ms). */
export interface CounterReading {
  value: number;
  at: number;
}

/**
 * Per second between two readings of one counter: null without a previous
 * reading, when no time passed, or when the counter went down (the daemon
 * restarted: its counters start from zero again).
 */
export function ratePerSecond(prev: CounterReading | undefined, cur: CounterReading): number | null {
  if (prev === undefined || cur.at <= prev.at || cur.value < prev.value) return null;
  return ((cur.value - prev.value) * 1000) / (cur.at - prev.at);
}

/**
 * The last reading per key (a daemon address), for rates across requests.
 * Per console instance, in memory: two consoles each compute their own, and
 * a restarted console shows no rate until its second reading. A reading
 * closer than `minIntervalMs` to the kept one answers the rate already
 * computed, so several browsers polling at once do not make it noisy.
 */
export class RateMemory {
  private readonly last = new Map<string, { reading: CounterReading; rate: number | null }>();

  constructor(private readonly minIntervalMs = 1_000) {}

  rate(key: string, cur: CounterReading): number | null {
    const kept = this.last.get(key);
    if (kept !== undefined && cur.at - kept.reading.at < this.minIntervalMs && cur.value >= kept.reading.value)
      return kept.rate;
    const rate = ratePerSecond(kept?.reading, cur);
    this.last.set(key, { reading: cur, rate });
    return rate;
  }
}

/** One `/readyz` check. */
export interface CheckView {
  name: string;
  ok: boolean;
  detail: string;
}

/** What every daemon shows: where, whether it answered (and why not), whether it is ready. */
interface DaemonViewBase {
  host: string;
  port: number;
  reachable: boolean;
  /** Why it could not be read; null when it was. */
  error: string | null;
  /** `/readyz` said ok; null when unreachable. */
  ready: boolean | null;
  checks: CheckView[];
}

/** A value a daemon of an older version may not report: null then. */
type Num = number | null;

export interface DnsView extends DaemonViewBase {
  routeVersion: Num;
  /** Routes (modid, cmdid) and hosts (RouteData rows) in the served table. */
  tableRoutes: Num;
  tableHosts: Num;
  subscriptions: Num;
  subscribedKeys: Num;
  connections: Num;
  mysqlUp: Num;
  loadFailures: Num;
}

export interface ReporterView extends DaemonViewBase {
  rowsWritten: Num;
  /** From this console's previous reading of the same reporter; null on the first. */
  rowsPerSecond: Num;
  rowsReceived: Num;
  /** Requests dropped: oldest from a full queue, too large, or refused by an exited writer. */
  requestsDropped: Num;
  rowsRejected: Num;
  rowsUnwritten: Num;
  batchFailures: Num;
  writersAlive: Num;
  writers: Num;
  mysqlUp: Num;
  connections: Num;
}

export interface AgentView extends DaemonViewBase {
  dnsConnected: Num;
  dnsConnects: Num;
  dnsFailovers: Num;
  reportersConnected: Num;
  /** Routes held, all workers. */
  routes: Num;
  getHostRequests: Num;
  picksSucc: Num;
  picksOverload: Num;
  picksNoexist: Num;
}

export interface SystemView {
  /** When the readings were taken (unix ms). */
  readAt: number;
  dns: DnsView[];
  reporter: ReporterView[];
  agent: AgentView[];
}

/**
 * A `/stats` value as one number: a number, a boolean as 0/1, per-thread
 * `{ '0': n, ... }` summed. Anything else (absent: an older daemon) is null.
 */
export function statNumber(stats: Record<string, unknown>, key: string): Num {
  const v = stats[key];
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
    const parts = Object.values(v);
    if (parts.length === 0 || !parts.every((p) => typeof p === 'number')) return null;
    return (parts as number[]).reduce((a, b) => a + b, 0);
  }
  return null;
}

function sum(...values: Num[]): Num {
  return values.every((v) => v === null) ? null : values.reduce<number>((a, v) => a + (v ?? 0), 0);
}

function base(address: StatsAddress, r: DaemonReading): DaemonViewBase {
  if (!r.ok) return { ...address, reachable: false, error: r.error, ready: null, checks: [] };
  const checks = Object.entries(r.ready.checks).map(([name, c]) => ({ name, ok: c.ok, detail: c.detail }));
  return { ...address, reachable: true, error: null, ready: r.ready.ok, checks };
}

/** Reads `keys` from the stats, all null when the daemon could not be read. */
function numbers<K extends string>(r: DaemonReading, keys: readonly K[]): Record<K, Num> {
  return Object.fromEntries(keys.map((k) => [k, r.ok ? statNumber(r.stats, k) : null])) as Record<K, Num>;
}

/** The /stats keys shown (and answered by /api/system) for this kind of daemon. */
export const DNS_KEYS = [
  'routeVersion',
  'tableRoutes',
  'tableHosts',
  'subscriptions',
  'subscribedKeys',
  'connections',
  'mysqlUp',
  'loadFailures',
] as const;

export function dnsView(address: StatsAddress, r: DaemonReading): DnsView {
  return { ...base(address, r), ...numbers(r, DNS_KEYS) };
}

/** The /stats keys shown (and answered by /api/system) for this kind of daemon. */
export const REPORTER_KEYS = [
  'rowsWritten',
  'rowsReceived',
  'rowsRejected',
  'rowsUnwritten',
  'batchFailures',
  'writersAlive',
  'writers',
  'mysqlUp',
  'connections',
] as const;

export function reporterView(address: StatsAddress, r: DaemonReading, rates: RateMemory): ReporterView {
  const n = numbers(r, REPORTER_KEYS);
  const rowsPerSecond =
    r.ok && n.rowsWritten !== null
      ? rates.rate(`${address.host}:${address.port}`, { value: n.rowsWritten, at: r.at })
      : null;
  const requestsDropped = r.ok
    ? sum(statNumber(r.stats, 'drops'), statNumber(r.stats, 'tooLarge'), statNumber(r.stats, 'refusedByQueue'))
    : null;
  return { ...base(address, r), ...n, rowsPerSecond, requestsDropped };
}

/** What reporterView adds to REPORTER_KEYS. */
export const REPORTER_DERIVED_KEYS = ['rowsPerSecond', 'requestsDropped'] as const;

/** The /stats keys shown (and answered by /api/system) for this kind of daemon. */
export const AGENT_KEYS = [
  'dnsConnected',
  'dnsConnects',
  'dnsFailovers',
  'reportersConnected',
  'routes',
  'getHostRequests',
  'picksSucc',
  'picksOverload',
  'picksNoexist',
] as const;

export function agentView(address: StatsAddress, r: DaemonReading): AgentView {
  return { ...base(address, r), ...numbers(r, AGENT_KEYS) };
}
