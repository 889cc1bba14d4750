import type { HealthReport } from '@lars/reactor';
import type { StatsAddress } from './web-options.js';

/** The stats endpoints the system pages read, per daemon kind (`[web] dns_stats` ...). */
export interface DaemonAddresses {
  dns: readonly StatsAddress[];
  reporter: readonly StatsAddress[];
  agent: readonly StatsAddress[];
}

/**
 * One daemon read: its `/stats` object and its `/readyz` report (a 503 is a
 * report too: not ready), or why it could not be read. `at` is when the
 * reading was taken (unix ms), for rates.
 */
export type DaemonReading =
  | { ok: true; stats: Record<string, unknown>; ready: HealthReport; at: number }
  | { ok: false; error: string; at: number };

export interface DaemonStatsClientOptions {
  /** How long one endpoint may take to answer; a daemon slower than this is shown as not answering. */
  timeoutMs?: number;
  now?: () => number;
}

const DEFAULTS = { timeoutMs: 1_500, now: Date.now } as const;

/** What a failed fetch's cause code means to someone reading the page. */
const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused (is the daemon running, with its [stats] port there?)',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
};

/**
 * Reads a daemon's `GET /stats` and `GET /readyz` over HTTP (global fetch),
 * each bounded by `timeoutMs`. Never throws: a daemon that is down, slow or
 * answering something else is a reading with `ok: false` and a sentence.
 * Holds no connection of its own (fetch's shared pool closes idle ones).
 */
export class DaemonStatsClient {
  private readonly o: Required<DaemonStatsClientOptions>;

  constructor(options: DaemonStatsClientOptions = {}) {
    this.o = { ...DEFAULTS, ...options };
  }

  async read(address: StatsAddress): Promise<DaemonReading> {
    const base = `http://${address.host.includes(':') ? `[${address.host}]` : address.host}:${address.port}`;
    const [stats, ready] = await Promise.all([
      this.getJson(`${base}/stats`, [200]),
      this.getJson(`${base}/readyz`, [200, 503]),
    ]);
    const at = this.o.now();
    if (!stats.ok) return { ok: false, error: stats.error, at };
    if (!ready.ok) return { ok: false, error: ready.error, at };
    if (!isObject(stats.body)) return { ok: false, error: `${base}/stats: not a JSON object`, at };
    if (!isHealthReport(ready.body)) return { ok: false, error: `${base}/readyz: not a health report`, at };
    return { ok: true, stats: stats.body, ready: ready.body, at };
  }

  private async getJson(
    url: string,
    statuses: number[],
  ): Promise<{ ok: true; body: unknown } | { ok: false; error: string }> {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(this.o.timeoutMs) });
      const text = await res.text();
      if (!statuses.includes(res.status))
        return { ok: false, error: `${url}: answered HTTP ${res.status} ${text.trim().slice(0, 200)}` };
      try {
        return { ok: true, body: JSON.parse(text) };
      } catch (err) {
        return { ok: false, error: `${url}: not JSON (${(err as Error).message})` };
      }
    } catch (err) {
      return { ok: false, error: `${url}: ${describeFetchError(err, this.o.timeoutMs)}` };
    }
  }
}

/** A fetch failure as a sentence: the timeout, or the network error under undici's "fetch failed". */
export function describeFetchError(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  const code = e.cause?.code;
  if (code !== undefined) return NETWORK_CODES[code] ?? `${code}: ${e.cause?.message ?? ''}`.trim();
  return e.cause?.message ?? e.message ?? String(err);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isHealthReport(v: unknown): v is HealthReport {
  return isObject(v) && typeof v.ok === 'boolean' && isObject(v.checks);
}
