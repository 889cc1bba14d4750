import { describe, expect, it } from 'vitest';
import { alertKey, evaluateAlerts, type StatusRow, type WindowRow } from '../src/alert-rules.js';

const NOW = 1_800_000_000;
const T = { errorRate: 0.1, minCalls: 20 };
const host = { modid: 1, cmdid: 2, ip: '10.0.0.1', port: 80 };
const row = (minute: number, succ: number, err: number, caller = '172.16.0.1', h = host): WindowRow => ({
  ...h,
  caller,
  minute,
  succ,
  err,
  overload: false,
});
const status = (caller: string, ts: number, overload: boolean, h = host): StatusRow => ({ ...h, caller, ts, overload });

describe('evaluateAlerts', () => {
  it('50 % errors over 40 calls is alerted, since the first bucket of the bad run, with the callers that erred', () => {
    const alerts = evaluateAlerts(
      [],
      [
        row(NOW - 240, 10, 0),
        row(NOW - 180, 5, 10, '172.16.0.2'),
        row(NOW - 120, 5, 10),
        row(NOW - 120, 0, 0, '172.16.0.9'),
      ],
      T,
    );
    expect(alerts).toEqual([
      {
        ...host,
        reason: 'error_rate',
        errorRate: 0.5,
        calls: 40,
        callers: ['172.16.0.1', '172.16.0.2'],
        since: NOW - 180,
      },
    ]);
  });

  it('2 errors of 4 calls is not (below alert_min_calls); nor 1 error in 40 (below the rate)', () => {
    expect(evaluateAlerts([], [row(NOW - 60, 2, 2)], T)).toEqual([]);
    expect(evaluateAlerts([], [row(NOW - 60, 39, 1)], T)).toEqual([]);
  });

  it('exactly the rate with exactly alert_min_calls calls is alerted (>=)', () => {
    const a = evaluateAlerts([], [row(NOW - 60, 18, 2)], T);
    expect(a).toHaveLength(1);
    expect(a[0]).toMatchObject({ errorRate: 0.1, calls: 20 });
  });

  it('the run stops at a good bucket: since is after it', () => {
    const a = evaluateAlerts(
      [],
      [row(NOW - 290, 0, 20), row(NOW - 230, 20, 0), row(NOW - 170, 10, 10), row(NOW - 50, 10, 10)],
      T,
    );
    expect(a[0].since).toBe(NOW - 170);
  });

  it('an overloaded report alerts the host with its overloaded callers only, since the report', () => {
    const a = evaluateAlerts(
      [status('172.16.0.5', NOW - 30, true), status('172.16.0.4', NOW - 10, false)],
      [row(NOW - 60, 100, 0, '172.16.0.4')],
      T,
    );
    expect(a).toEqual([
      { ...host, reason: 'overload', errorRate: 0, calls: 100, callers: ['172.16.0.5'], since: NOW - 30 },
    ]);
  });

  it('a host not overloaded and without errors is not alerted', () => {
    expect(evaluateAlerts([status('172.16.0.4', NOW - 10, false)], [row(NOW - 60, 100, 0)], T)).toEqual([]);
  });

  it('overloaded and erring: overload is the reason', () => {
    const a = evaluateAlerts([status('172.16.0.5', NOW - 30, true)], [row(NOW - 120, 10, 30)], T);
    expect(a).toHaveLength(1);
    expect(a[0].reason).toBe('overload');
  });

  it('one alert per route and host, in route order', () => {
    const other = { modid: 1, cmdid: 1, ip: '10.0.0.9', port: 80 };
    const a = evaluateAlerts([status('1.1.1.1', NOW, true), status('1.1.1.1', NOW, true, other)], [], T);
    expect(a.map(alertKey)).toEqual(['1/1/10.0.0.9:80', '1/2/10.0.0.1:80']);
  });
});
