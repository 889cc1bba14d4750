/** One named condition of a health report. */
export interface HealthCheck {
  ok: boolean;
  /** What was seen, for the operator ("no heartbeat for 12000 ms", "version 7, 10 routes"). */
  detail: string;
}

/**
 * The body of `/healthz` and `/readyz` (200 when `ok`, 503 when not).
 * `failing` names the checks that are not ok, so a script need not walk `checks`.
 */
export interface HealthReport {
  ok: boolean;
  failing: string[];
  checks: Record<string, HealthCheck>;
  /** Facts that inform but do not decide (the DNS's `mysqlUp` while it serves its last table). */
  info?: Record<string, unknown>;
}

/**
 * What a daemon answers `/healthz` and `/readyz` with.
 * - live(): are its threads running (thread-heartbeat.ts); a daemon that is
 *   not live should be restarted.
 * - ready(): can it do its job now (the DNS: a table is loaded); a daemon that
 *   is live but not ready should be waited for, not restarted.
 */
export interface DaemonHealth {
  live(): HealthReport;
  ready(): HealthReport;
}

/** A report from its checks: ok when every check is. */
export function healthReport(checks: Record<string, HealthCheck>, info?: Record<string, unknown>): HealthReport {
  const failing = Object.keys(checks).filter((name) => !checks[name].ok);
  return { ok: failing.length === 0, failing, checks, ...(info === undefined ? {} : { info }) };
}

/** For a daemon that declares no health: the stats endpoint answering is all there is to say. */
export const ANSWERING: DaemonHealth = {
  live: () => healthReport({ main: { ok: true, detail: 'answering' } }),
  ready: () => healthReport({ main: { ok: true, detail: 'started' } }),
};
