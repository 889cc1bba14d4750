/** One CallStatusMinute row as the chart reads it (any caller; rows of one host and bucket are summed). */
export interface RollupPoint {
  ip: string;
  port: number;
  /** Bucket start, unix seconds. */
  minute: number;
  succ: number;
  err: number;
}

export interface HostSeries {
  ip: string;
  port: number;
  succ: number[];
  err: number[];
}

/** The chart's data: bucket starts (unix s) and, per host, one value per bucket (0 where no row). */
export interface CallSeries {
  minutes: number[];
  /** Bucket width in seconds: inferred from the rows (inferStep). */
  step: number;
  hosts: HostSeries[];
}

/** The reporter's default `[reporter] rollup_interval`, used when the rows do not show the width. */
export const DEFAULT_STEP_S = 60;
/** The reporter's largest rollup_interval. */
const MAX_STEP_S = 3600;

/**
 * The bucket width the rows were written with: the greatest common divisor
 * of the gaps between distinct bucket starts (every start is a multiple of
 * the reporter's rollup_interval), at most an hour; DEFAULT_STEP_S with fewer
 * than two buckets. A width read too wide (only every other bucket has rows)
 * leaves the sums right and skips zero points only.
 */
export function inferStep(minutes: readonly number[]): number {
  const distinct = [...new Set(minutes)].sort((a, b) => a - b);
  let g = 0;
  for (let i = 1; i < distinct.length; i++) g = gcd(g, distinct[i] - distinct[i - 1]);
  if (g === 0) return DEFAULT_STEP_S;
  return Math.min(g, MAX_STEP_S);
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/**
 * Rollup rows -> per-host series on buckets `fromS`..`toS` (unix s, both
 * rounded down to the step; extended to the newest row, since the agents'
 * clocks may run ahead of the console's), summed over callers, zero-filled.
 * Hosts in address order.
 */
export function buildSeries(
  rows: readonly RollupPoint[],
  fromS: number,
  toS: number,
  step = inferStep(rows.map((r) => r.minute)),
): CallSeries {
  const first = Math.floor(fromS / step) * step;
  let last = Math.floor(toS / step) * step;
  for (const r of rows) if (r.minute > last) last = Math.floor(r.minute / step) * step;
  const minutes: number[] = [];
  for (let m = first; m <= last; m += step) minutes.push(m);
  const byHost = new Map<string, HostSeries>();
  for (const r of rows) {
    if (r.minute < first) continue;
    const key = `${r.ip}:${r.port}`;
    let h = byHost.get(key);
    if (h === undefined) {
      h = { ip: r.ip, port: r.port, succ: minutes.map(() => 0), err: minutes.map(() => 0) };
      byHost.set(key, h);
    }
    const i = Math.floor((r.minute - first) / step);
    h.succ[i] += r.succ;
    h.err[i] += r.err;
  }
  const hosts = [...byHost.values()].sort((a, b) => ipOrder(a.ip) - ipOrder(b.ip) || a.port - b.port);
  return { minutes, step, hosts };
}

function ipOrder(ip: string): number {
  return ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}
