import { RetCode } from '@lars/proto';
import type { HostCallResult } from '@lars/proto';
import { describe, expect, it } from 'vitest';
import { LOAD_BALANCE_DEFAULTS } from '../src/load-balance-config.js';
import type { LoadBalanceConfig } from '../src/load-balance-config.js';
import type { LoadBalanceHost } from '../src/load-balance-host.js';
import { LoadBalance, RouteState } from '../src/load-balance.js';

const IP = 3232235953; // 192.168.1.177
const FAR = 1e12; // a timeout that never passes in these tests

interface Recorder {
  snapshots: HostCallResult[][];
  dirtied: number;
  transitions: string[];
}

/** A LoadBalance whose snapshotNow takes the snapshot, as the RouteBook does. */
function make(overrides: Partial<LoadBalanceConfig> = {}, hostCount = 3, now = 0): { lb: LoadBalance; rec: Recorder } {
  const rec: Recorder = { snapshots: [], dirtied: 0, transitions: [] };
  const config = { ...LOAD_BALANCE_DEFAULTS, ...overrides };
  const lb = new LoadBalance(1, 2, config, {
    snapshotNow: (route) => rec.snapshots.push(route.takeSnapshot()),
    becameDirty: () => rec.dirtied++,
    overloadChanged: (_route, host) => rec.transitions.push(`${host.port}:${host.overload ? 'overload' : 'idle'}`),
  });
  lb.update(ports(hostCount), now);
  return { lb, rec };
}

function ports(n: number, first = 1): Array<{ ip: number; port: number }> {
  return Array.from({ length: n }, (_, i) => ({ ip: IP, port: first + i }));
}

function host(lb: LoadBalance, port: number): LoadBalanceHost {
  const h = lb.findHost(IP, port);
  if (h === undefined) throw new Error(`no host ${port}`);
  return h;
}

function report(lb: LoadBalance, port: number, retcode: number, times: number, now = 0, timecost = 0): void {
  for (let i = 0; i < times; i++) expect(lb.report(IP, port, retcode, timecost, now)).toBe(true);
}

describe('LoadBalance thresholds (err_rate with init_succ_cnt = 180)', () => {
  it.each([
    [0, 21],
    [10, 22],
    [90, 31],
    [500, 76],
  ])('after %i successes, a fresh host goes to overload at its error %i and not earlier', (succ, n) => {
    const { lb } = make({ continErrLimit: 1e9, idleTimeoutMs: FAR, overloadTimeoutMs: FAR }, 1);
    const h = host(lb, 1);
    report(lb, 1, 0, succ);
    report(lb, 1, 1, n - 1);
    expect(h.overload).toBe(false);
    expect(lb.idleCount).toBe(1);
    report(lb, 1, 1, 1);
    expect(h.overload).toBe(true);
    expect(lb.overloadCount).toBe(1);
    expect(h).toMatchObject({ vsucc: 0, verr: LOAD_BALANCE_DEFAULTS.initErrCnt, rsucc: 0, rerr: 0 });
  });
});

describe('LoadBalance.pick', () => {
  it('round-robins over the idle hosts', () => {
    const { lb } = make();
    expect([1, 2, 3, 4, 5, 6].map(() => lb.pick(0).host?.port)).toEqual([1, 2, 3, 1, 2, 3]);
  });

  it('with some host overloaded, probes it on every 11th pick (probe_num 10)', () => {
    const { lb } = make({ continErrLimit: 1, overloadTimeoutMs: FAR });
    report(lb, 3, 1, 1);
    expect(host(lb, 3).overload).toBe(true);
    for (let cycle = 0; cycle < 4; cycle++) {
      for (let i = 1; i <= 10; i++) {
        const picked = lb.pick(0).host;
        expect(picked?.overload, `cycle ${cycle} pick ${i}`).toBe(false);
      }
      expect(lb.pick(0).host?.port).toBe(3);
    }
  });

  it('with every host overloaded, answers OVERLOAD ten times then returns a probe, rotating the overload queue', () => {
    const { lb } = make({ continErrLimit: 1, overloadTimeoutMs: FAR }, 2);
    report(lb, 1, 1, 1);
    report(lb, 2, 1, 1);
    const probes: number[] = [];
    for (let cycle = 0; cycle < 4; cycle++) {
      for (let i = 0; i < 10; i++) expect(lb.pick(0)).toEqual({ ret: RetCode.OVERLOAD, host: null });
      expect(lb.hostCount).toBe(2);
      const { ret, host: probe } = lb.pick(0);
      expect(ret).toBe(RetCode.SUCC);
      expect(probe).not.toBeNull();
      probes.push(probe?.port ?? 0);
    }
    expect(probes).toEqual([1, 2, 1, 2]);
  });

  it('returns NOEXIST for a route with no host', () => {
    const { lb } = make({}, 0);
    expect(lb.pick(0)).toEqual({ ret: RetCode.NOEXIST, host: null });
    expect(lb.hostCount).toBe(0);
  });

  it('returns an overloaded host to idle at the next pick once overload_timeout has passed, with no report', () => {
    const { lb, rec } = make({ continErrLimit: 1, overloadTimeoutMs: 15_000 });
    report(lb, 1, 1, 1, 0);
    report(lb, 2, 1, 1, 1000);
    // Probes rotate the overload queue to [2, 1]: it is no longer in overloadTs order.
    for (let i = 0; i < 11; i++) lb.pick(1000);
    expect(Array.from(lb.hosts(), (h) => h.overload)).toEqual([true, true, false]);
    lb.pick(14_999);
    expect(host(lb, 1).overload).toBe(true);
    lb.pick(15_000);
    expect(host(lb, 1).overload).toBe(false);
    expect(host(lb, 1).idleTs).toBe(15_000);
    expect(host(lb, 2).overload).toBe(true);
    lb.pick(16_000);
    expect(host(lb, 2).overload).toBe(false);
    expect(lb.idleCount).toBe(3);
    expect(rec.transitions).toEqual(['1:overload', '2:overload', '1:idle', '2:idle']);
  });

  it('returns several timed-out hosts in one pick with a single snapshot before', () => {
    const { lb, rec } = make({ continErrLimit: 1, overloadTimeoutMs: 15_000 });
    report(lb, 1, 1, 1, 0);
    report(lb, 2, 1, 1, 0);
    report(lb, 3, 1, 1, 0);
    const before = rec.snapshots.length;
    lb.pick(20_000);
    expect(lb.idleCount).toBe(3);
    expect(rec.snapshots.length).toBe(before + 1);
    expect(rec.snapshots.at(-1)?.map((r) => r.overload)).toEqual([true, true, true]);
  });
});

describe('LoadBalance.report', () => {
  it('goes to overload at contin_err_limit errors in a row, a success resets the run', () => {
    const { lb } = make({ errRate: 1, idleTimeoutMs: FAR }, 1);
    const h = host(lb, 1);
    report(lb, 1, 1, 14);
    report(lb, 1, 0, 1);
    report(lb, 1, 1, 14);
    expect(h.overload).toBe(false);
    report(lb, 1, 1, 1);
    expect(h.overload).toBe(true);
  });

  it('goes back to idle at contin_succ_limit successes in a row', () => {
    const { lb } = make({ continErrLimit: 1, overloadTimeoutMs: FAR }, 1);
    const h = host(lb, 1);
    report(lb, 1, 1, 1);
    expect(h.overload).toBe(true);
    report(lb, 1, 0, 14);
    expect(h.overload).toBe(true);
    report(lb, 1, 0, 1);
    expect(h.overload).toBe(false);
    expect(h.vsucc).toBe(LOAD_BALANCE_DEFAULTS.initSuccCnt);
  });

  it('goes back to idle when vsucc / (vsucc + verr) exceeds succ_rate', () => {
    const { lb } = make({ continErrLimit: 1, continSuccLimit: 1e9, overloadTimeoutMs: FAR }, 1);
    const h = host(lb, 1);
    report(lb, 1, 1, 1);
    report(lb, 1, 0, 95); // 95 / (95 + 5) = 0.95: not above
    expect(h.overload).toBe(true);
    report(lb, 1, 0, 1);
    expect(h.overload).toBe(false);
  });

  it('counts a failed call of 1000 ms as 10 virtual errors (timecost_unit 100)', () => {
    const { lb } = make({ idleTimeoutMs: FAR }, 1);
    const h = host(lb, 1);
    report(lb, 1, 1, 1, 0, 1000);
    expect(h).toMatchObject({ verr: 10, rerr: 1, continErr: 1, overload: false });
    report(lb, 1, 1, 1, 0, 0);
    report(lb, 1, 1, 1, 0, 99);
    report(lb, 1, 1, 1, 0, 250);
    expect(h).toMatchObject({ verr: 14, rerr: 4 });
    // Two slow failures: 20 / 200 is not above 0.1, a third one (30 / 210) is.
    const { lb: lb2 } = make({ idleTimeoutMs: FAR }, 1);
    report(lb2, 1, 1, 2, 0, 1000);
    expect(host(lb2, 1).overload).toBe(false);
    report(lb2, 1, 1, 1, 0, 1000);
    expect(host(lb2, 1).overload).toBe(true);
  });

  it('at the end of an idle window, overloads when rerr / (rsucc + rerr) >= window_err_rate', () => {
    const { lb, rec } = make({ windowErrRate: 0.7, idleTimeoutMs: 15_000 }, 1);
    const h = host(lb, 1);
    report(lb, 1, 1, 3, 1000);
    report(lb, 1, 0, 3, 2000);
    report(lb, 1, 1, 3, 14_999);
    expect(h.overload).toBe(false);
    expect(rec.snapshots).toEqual([]);
    report(lb, 1, 1, 1, 15_000); // the window closes with 7 of 10 failed
    expect(h.overload).toBe(true);
    expect(rec.snapshots).toEqual([[{ ip: IP, port: 1, succ: 3, err: 7, overload: false }]]);
    expect(h).toMatchObject({ rsucc: 0, rerr: 0, overloadTs: 15_000 });
  });

  it('at the end of an idle window below window_err_rate, starts a fresh window', () => {
    const { lb, rec } = make({ windowErrRate: 0.7, idleTimeoutMs: 15_000 }, 1);
    const h = host(lb, 1);
    report(lb, 1, 1, 2, 1000);
    report(lb, 1, 0, 3, 2000);
    expect(h.vsucc).toBe(183);
    report(lb, 1, 0, 1, 15_000);
    expect(h.overload).toBe(false);
    expect(rec.snapshots).toEqual([[{ ip: IP, port: 1, succ: 4, err: 2, overload: false }]]);
    expect(h).toMatchObject({ rsucc: 0, rerr: 0, vsucc: 180, verr: 0, idleTs: 15_000 });
    expect(lb.dirty).toBe(true);
  });

  it('returns an overloaded host to idle on a report after overload_timeout', () => {
    const { lb } = make({ continErrLimit: 1, overloadTimeoutMs: 15_000 }, 1);
    const h = host(lb, 1);
    report(lb, 1, 1, 1, 0);
    report(lb, 1, 1, 1, 14_999);
    expect(h.overload).toBe(true);
    report(lb, 1, 1, 1, 15_000);
    expect(h.overload).toBe(false);
  });

  it('ignores a host the route does not hold', () => {
    const { lb, rec } = make();
    expect(lb.report(IP, 99, 0, 0, 0)).toBe(false);
    expect(lb.report(IP + 1, 1, 0, 0, 0)).toBe(false);
    expect(lb.dirty).toBe(false);
    expect(rec.dirtied).toBe(0);
  });

  it('becomes dirty once per snapshot and snapshots every host', () => {
    const { lb, rec } = make({ continErrLimit: 1 }, 2);
    expect(lb.dirty).toBe(false);
    report(lb, 1, 0, 2);
    expect(rec.dirtied).toBe(1);
    expect(lb.takeSnapshot()).toEqual([
      { ip: IP, port: 1, succ: 2, err: 0, overload: false },
      { ip: IP, port: 2, succ: 0, err: 0, overload: false },
    ]);
    expect(lb.dirty).toBe(false);
    report(lb, 2, 1, 1); // to overload: snapshot first, then dirty again
    expect(rec.snapshots).toEqual([
      [
        { ip: IP, port: 1, succ: 2, err: 0, overload: false },
        { ip: IP, port: 2, succ: 0, err: 1, overload: false },
      ],
    ]);
    expect(lb.dirty).toBe(true);
    expect(rec.dirtied).toBe(3);
    expect(lb.takeSnapshot()[1]).toEqual({ ip: IP, port: 2, succ: 0, err: 0, overload: true });
  });
});

describe('LoadBalance.update', () => {
  it('adds and removes hosts and leaves the others, their counters and their place alone', () => {
    const { lb, rec } = make({ continErrLimit: 1, overloadTimeoutMs: 15_000 }, 4);
    expect(lb.state).toBe(RouteState.NEW);
    report(lb, 4, 1, 1, 0); // 4 overloaded, in the overload queue and the FIFO
    report(lb, 1, 0, 3, 0);
    lb.takeSnapshot();
    expect(lb.pick(0).host?.port).toBe(1);
    const one = host(lb, 1);
    const four = host(lb, 4);
    expect(four.fifoLink.list).not.toBeNull();

    lb.update([...ports(2), { ip: IP, port: 5 }], 5000);
    expect(lb.lastUpdateMs).toBe(5000);
    expect(lb.state).toBe(RouteState.NEW);
    expect(Array.from(lb.hosts(), (h) => h.port)).toEqual([1, 2, 5]);
    expect(host(lb, 1)).toBe(one);
    expect(one).toMatchObject({ rsucc: 3, vsucc: 183, idleTs: 0 });
    expect(host(lb, 5)).toMatchObject({ vsucc: 180, overload: false, idleTs: 5000 });
    expect(four.queueLink.list).toBeNull();
    expect(four.fifoLink.list).toBeNull();
    expect(lb.overloadCount).toBe(0);
    expect(lb.idleCount).toBe(3);
    // The idle queue [2, 3, 1] (after 1's pick) lost 3 and gained 5 at its tail.
    expect([lb.pick(5000).host?.port, lb.pick(5000).host?.port, lb.pick(5000).host?.port]).toEqual([2, 1, 5]);
    // The removed host's overload_timeout passing changes nothing.
    lb.pick(20_000);
    expect(rec.transitions).toEqual(['4:overload']);
    expect(lb.hostCount).toBe(3);
  });

  it('sends the last counts of a removed host before it goes', () => {
    const { lb, rec } = make({}, 2);
    report(lb, 2, 0, 4);
    lb.update(ports(1), 1000);
    expect(rec.snapshots).toEqual([
      [
        { ip: IP, port: 1, succ: 0, err: 0, overload: false },
        { ip: IP, port: 2, succ: 4, err: 0, overload: false },
      ],
    ]);
    expect(lb.hostCount).toBe(1);
  });

  it('keeps the route with no host on an empty list', () => {
    const { lb } = make({}, 2);
    lb.update([], 1000);
    expect(lb.hostCount).toBe(0);
    expect(lb.pick(1000)).toEqual({ ret: RetCode.NOEXIST, host: null });
    lb.update(ports(1), 2000);
    expect(lb.pick(2000)).toMatchObject({ ret: RetCode.SUCC, host: { port: 1 } });
  });
});

describe('LoadBalance is O(1) per pick and per queue move', () => {
  /** Steps taken by each of a fixed sequence of operations, on a route of `n` hosts. */
  function stepsFor(n: number): number[] {
    const { lb } = make({ continErrLimit: 1, continSuccLimit: 1, overloadTimeoutMs: 15_000 }, n);
    const out: number[] = [];
    const measure = (fn: () => void): void => {
      const before = lb.steps;
      fn();
      out.push(lb.steps - before);
    };
    measure(() => report(lb, 1, 1, 1, 0)); // idle -> overload, host at the head
    measure(() => report(lb, n, 1, 1, 0)); // idle -> overload, host at the tail
    for (let i = 0; i < 25; i++) measure(() => lb.pick(100)); // idle picks and probes
    measure(() => report(lb, 1, 0, 1, 200)); // overload -> idle by report
    measure(() => report(lb, 2, 0, 1, 200)); // plain report
    measure(() => lb.pick(20_000)); // overload -> idle by timeout
    measure(() => lb.pick(20_000));
    return out;
  }

  it('takes the same steps on 10,000 hosts as on 10', () => {
    const small = stepsFor(10);
    const large = stepsFor(10_000);
    expect(large).toEqual(small);
    expect(small.every((s) => s > 0)).toBe(true);
  });
});
