/** The last ServerCallStatus snapshot of one (route, host, caller), addresses dotted. */
export interface StatusRow {
  modid: number;
  cmdid: number;
  ip: string;
  port: number;
  caller: string;
  /** Unix seconds (the agent's clock). */
  ts: number;
  overload: boolean;
}

/** One CallStatusMinute row within the alert window. */
export interface WindowRow {
  modid: number;
  cmdid: number;
  ip: string;
  port: number;
  caller: string;
  /** Bucket start, unix seconds. */
  minute: number;
  succ: number;
  err: number;
  overload: boolean;
}

export interface AlertThresholds {
  /** `[web] alert_error_rate`: err / (succ + err) at or above which a host alerts. */
  errorRate: number;
  /** `[web] alert_min_calls`: fewer calls in the window never alert on the error rate. */
  minCalls: number;
}

export const AlertReason = { OVERLOAD: 'overload', ERROR_RATE: 'error_rate' } as const;
export type AlertReason = (typeof AlertReason)[keyof typeof AlertReason];

export interface Alert {
  modid: number;
  cmdid: number;
  ip: string;
  port: number;
  /** Overload wins when both hold. */
  reason: AlertReason;
  /** err / calls over the window's rollup rows (0 without calls). */
  errorRate: number;
  calls: number;
  /** The callers whose rows are bad: overloaded snapshots, or an error rate at or above the threshold. */
  callers: string[];
  /** Unix seconds: the first bucket of the current run of bad buckets (see evaluateAlerts). */
  since: number;
}

export const alertKey = (a: { modid: number; cmdid: number; ip: string; port: number }): string =>
  `${a.modid}/${a.cmdid}/${a.ip}:${a.port}`;

interface HostAcc {
  modid: number;
  cmdid: number;
  ip: string;
  port: number;
  succ: number;
  err: number;
  overloadCallers: Set<string>;
  /** The latest overloaded snapshot's ts (since, when the rollup has no overloaded bucket). */
  overloadTs: number;
  callers: Map<string, { succ: number; err: number }>;
  /** Per bucket start, summed over callers. */
  buckets: Map<number, { succ: number; err: number; overload: boolean }>;
}

/**
 * The active alerts: a host (of a route) is alerted when any caller's latest
 * snapshot says overload, or when err / (succ + err) over the window's rollup
 * rows, summed over callers, is at least `errorRate` with at least `minCalls`
 * calls. `since` is derived from the rollup: walking back from the newest
 * bucket with rows, the start of the earliest bucket still bad (overloaded,
 * or at the error rate), buckets without rows skipped; for an overload the
 * rollup does not show, the snapshot's ts. Sorted by route, then address.
 */
export function evaluateAlerts(
  status: readonly StatusRow[],
  window: readonly WindowRow[],
  t: AlertThresholds,
): Alert[] {
  const hosts = new Map<string, HostAcc>();
  const acc = (r: { modid: number; cmdid: number; ip: string; port: number }): HostAcc => {
    const key = alertKey(r);
    let h = hosts.get(key);
    if (h === undefined) {
      h = {
        modid: r.modid,
        cmdid: r.cmdid,
        ip: r.ip,
        port: r.port,
        succ: 0,
        err: 0,
        overloadCallers: new Set(),
        overloadTs: 0,
        callers: new Map(),
        buckets: new Map(),
      };
      hosts.set(key, h);
    }
    return h;
  };
  for (const s of status) {
    if (!s.overload) continue;
    const h = acc(s);
    h.overloadCallers.add(s.caller);
    h.overloadTs = Math.max(h.overloadTs, s.ts);
  }
  for (const w of window) {
    const h = acc(w);
    h.succ += w.succ;
    h.err += w.err;
    const c = h.callers.get(w.caller) ?? { succ: 0, err: 0 };
    c.succ += w.succ;
    c.err += w.err;
    h.callers.set(w.caller, c);
    const b = h.buckets.get(w.minute) ?? { succ: 0, err: 0, overload: false };
    b.succ += w.succ;
    b.err += w.err;
    b.overload ||= w.overload;
    h.buckets.set(w.minute, b);
  }
  const rateOf = (succ: number, err: number) => (succ + err === 0 ? 0 : err / (succ + err));
  const out: Alert[] = [];
  for (const h of hosts.values()) {
    const calls = h.succ + h.err;
    const errorRate = rateOf(h.succ, h.err);
    const overloaded = h.overloadCallers.size > 0;
    const erroring = calls >= t.minCalls && calls > 0 && errorRate >= t.errorRate;
    if (!overloaded && !erroring) continue;
    const bad = (b: { succ: number; err: number; overload: boolean }) =>
      overloaded ? b.overload : b.succ + b.err > 0 && rateOf(b.succ, b.err) >= t.errorRate;
    let since = 0;
    for (const [minute, b] of [...h.buckets].sort((x, y) => y[0] - x[0])) {
      if (!bad(b)) break;
      since = minute;
    }
    if (since === 0) since = overloaded ? h.overloadTs : Math.max(...h.buckets.keys());
    const callers = overloaded
      ? [...h.overloadCallers]
      : [...h.callers].filter(([, c]) => c.err > 0 && rateOf(c.succ, c.err) >= t.errorRate).map(([ip]) => ip);
    out.push({
      modid: h.modid,
      cmdid: h.cmdid,
      ip: h.ip,
      port: h.port,
      reason: overloaded ? AlertReason.OVERLOAD : AlertReason.ERROR_RATE,
      errorRate,
      calls,
      callers: callers.sort(),
      since,
    });
  }
  return out.sort((a, b) => a.modid - b.modid || a.cmdid - b.cmdid || alertKey(a).localeCompare(alertKey(b)));
}
