import { RetCode } from '@lars/proto';
import type { ReportStatusRequest } from '@lars/proto';
import { ErrorCode } from '@lars/wire';
import { describe, expect, it } from 'vitest';
import { LOAD_BALANCE_DEFAULTS } from '../src/load-balance-config.js';
import type { LoadBalanceConfig } from '../src/load-balance-config.js';
import { RouteState } from '../src/load-balance.js';
import { RouteBook } from '../src/route-book.js';
import { SharedRouteBudget } from '../src/route-budget.js';

const IP = 3232235953;
const CALLER = 2130706433; // 127.0.0.1
const U = LOAD_BALANCE_DEFAULTS.updateTimeoutMs;

function make(overrides: Partial<LoadBalanceConfig> = {}) {
  const pulls: string[] = [];
  const reports: ReportStatusRequest[] = [];
  const book = new RouteBook(
    { ...LOAD_BALANCE_DEFAULTS, ...overrides },
    {
      pull: (modid, cmdid) => pulls.push(`${modid}/${cmdid}`) > 0,
      report: (req) => reports.push(req),
    },
    CALLER,
  );
  return { book, pulls, reports };
}

function hosts(...ports: number[]): Array<{ ip: number; port: number }> {
  return ports.map((port) => ({ ip: IP, port }));
}

describe('RouteBook route life cycle', () => {
  it('answers NOEXIST and pulls for an unknown key, then round-robins once the response fills it', () => {
    const { book, pulls } = make();
    const first = book.getHost(1, 2, 0);
    expect(first.ret).toBe(RetCode.NOEXIST);
    expect(first.host).toBeNull();
    expect(pulls).toEqual(['1/2']);
    expect(book.find(1, 2)?.state).toBe(RouteState.PULLING);
    // Still pulling: no second request.
    expect(book.getHost(1, 2, 10).ret).toBe(RetCode.NOEXIST);
    expect(pulls).toEqual(['1/2']);

    expect(book.onRouteResponse(1, 2, hosts(7001, 7002, 7003), 100)).toBe(true);
    expect(book.find(1, 2)?.state).toBe(RouteState.NEW);
    const picked: number[] = [];
    for (let i = 0; i < 6; i++) {
      const r = book.getHost(1, 2, 200);
      expect(r.ret).toBe(RetCode.SUCC);
      picked.push(r.host?.port ?? 0);
    }
    expect(picked).toEqual([7001, 7002, 7003, 7001, 7002, 7003]);
    expect(book.counters).toMatchObject({ getHost: 8, picksNoexist: 2, picksSucc: 6, pulls: 1, routes: 1 });
  });

  it('answers OVERLOAD when every host is overloaded and it is not a probe turn', () => {
    const { book } = make({ continErrLimit: 1 });
    book.getHost(1, 1, 0);
    book.onRouteResponse(1, 1, hosts(1), 0);
    book.report(1, 1, IP, 1, 1, 0, 0);
    const rets = Array.from({ length: 11 }, () => book.getHost(1, 1, 0).ret);
    expect(rets).toEqual([...Array<number>(10).fill(RetCode.OVERLOAD), RetCode.SUCC]);
    expect(book.counters).toMatchObject({ picksOverload: 10, toOverload: 1, toIdle: 0 });
  });

  it('answers get_route with every host, creating and pulling an unknown key', () => {
    const { book, pulls } = make();
    expect(book.getRoute(3, 4, 0)).toEqual([]);
    expect(pulls).toEqual(['3/4']);
    book.onRouteResponse(3, 4, hosts(1, 2), 0);
    expect(book.getRoute(3, 4, 1).map((h) => h.port)).toEqual([1, 2]);
    expect(book.counters.getRoute).toBe(2);
  });

  it('keeps a route whose host list is empty, and a later push fills it with no new request', () => {
    const { book, pulls } = make();
    book.getHost(5, 1, 0);
    expect(book.onRouteResponse(5, 1, [], 10)).toBe(true);
    expect(book.getHost(5, 1, 20).ret).toBe(RetCode.NOEXIST);
    expect(book.find(5, 1)?.state).toBe(RouteState.NEW);
    expect(book.onRouteResponse(5, 1, hosts(9), 30)).toBe(true);
    const r = book.getHost(5, 1, 40);
    expect(r.ret).toBe(RetCode.SUCC);
    expect(r.host?.port).toBe(9);
    expect(pulls).toEqual(['5/1']);
  });

  it('ignores a response for a key it does not track', () => {
    const { book } = make();
    expect(book.onRouteResponse(8, 8, hosts(1), 0)).toBe(false);
    expect(book.find(8, 8)).toBeUndefined();
    expect(book.counters.responsesIgnored).toBe(1);
  });

  it('pulls a route again once its last PULL is older than update_timeout, still answering from its hosts', () => {
    const { book, pulls } = make();
    book.getHost(1, 1, 0);
    book.onRouteResponse(1, 1, hosts(1), 1000);
    // Counted from the pull at 0, not the answer at 1000.
    expect(book.getHost(1, 1, U).ret).toBe(RetCode.SUCC);
    expect(pulls).toEqual(['1/1']);
    const r = book.getHost(1, 1, U + 1);
    expect(r.ret).toBe(RetCode.SUCC);
    expect(pulls).toEqual(['1/1', '1/1']);
    expect(book.find(1, 1)?.state).toBe(RouteState.PULLING);
    // Within update_timeout of that pull: no further request, answered or not.
    book.getRoute(1, 1, 2 * U);
    expect(pulls).toHaveLength(2);
    book.onRouteResponse(1, 1, hosts(1), 2 * U);
    expect(book.find(1, 1)?.state).toBe(RouteState.NEW);
  });

  it('re-pulls a route pushed every update_timeout / 2 still every update_timeout (its DNS subscription is renewed)', () => {
    const { book, pulls } = make();
    const pulledAt: number[] = [];
    const step = U / 10;
    let seen = 0;
    for (let now = 0; now <= 4 * U; now += step) {
      if (now > 0 && now % (U / 2) === 0) book.onRouteResponse(1, 1, hosts(1, 2), now); // a push
      book.getHost(1, 1, now);
      if (pulls.length > seen) {
        pulledAt.push(now);
        seen = pulls.length;
      }
    }
    // First ask at 0, then the first access past U after each pull: 1.1 U, 2.2 U, 3.3 U.
    expect(pulledAt).toEqual([0, 11 * step, 22 * step, 33 * step]);
    expect(book.counters.pulls).toBe(4);
  });

  it('a PULLING route whose answer never came is pulled again after update_timeout', () => {
    const { book, pulls } = make();
    book.getHost(1, 1, 0);
    book.getHost(1, 1, U);
    expect(pulls).toEqual(['1/1']);
    book.getHost(1, 1, U + 1);
    expect(pulls).toEqual(['1/1', '1/1']);
  });

  it('a pull the output refuses is handed to it again every tick until it takes it', () => {
    const taken: string[] = [];
    let accept = false;
    const book = new RouteBook(
      LOAD_BALANCE_DEFAULTS,
      { pull: (m, c) => accept && taken.push(`${m}/${c}`) > 0, report: () => {} },
      CALLER,
    );
    book.getHost(1, 1, 0);
    book.getHost(2, 2, 0);
    book.tick(1000);
    book.tick(2000);
    expect(taken).toEqual([]);
    // Each tick stops at the first refusal: 2 first tries + 1 retry per tick.
    expect(book.counters.pulls).toBe(4);
    accept = true;
    book.tick(3000);
    expect(taken).toEqual(['1/1', '2/2']);
    book.tick(4000);
    expect(taken).toEqual(['1/1', '2/2']);
    expect(book.counters.pulls).toBe(6);
  });

  it('on DNS (re)connection, turns PULLING into NEW and pulls every tracked key', () => {
    const { book, pulls } = make();
    book.getHost(1, 1, 0);
    book.getHost(2, 1, 0);
    book.onRouteResponse(2, 1, hosts(1), 0);
    pulls.length = 0;
    book.onDnsConnected(50);
    expect(pulls.sort()).toEqual(['1/1', '2/1']);
    expect(book.find(1, 1)?.state).toBe(RouteState.NEW);
    expect(book.find(2, 1)?.state).toBe(RouteState.NEW);
  });

  it('forgets routes nobody asked for during 10 x update_timeout', () => {
    const { book, reports } = make({ idleTimeoutMs: 1e12 });
    book.getHost(1, 1, 0);
    book.onRouteResponse(1, 1, hosts(1), 0);
    book.getRoute(2, 2, 0);
    book.tick(0);
    book.getHost(2, 2, 5 * U);
    book.report(1, 1, IP, 1, 0, 0, 9 * U); // a report is not a request for the route
    book.tick(10 * U - 1);
    expect(book.routeCount).toBe(2);
    expect(reports).toHaveLength(1);
    book.tick(11 * U);
    expect(book.find(1, 1)).toBeUndefined();
    expect(book.find(2, 2)).toBeDefined();
    expect(book.counters).toMatchObject({ routes: 1, routesForgotten: 1 });
    book.tick(16 * U);
    expect(book.routeCount).toBe(0);
    // A forgotten key starts over.
    expect(book.getHost(1, 1, 17 * U).ret).toBe(RetCode.NOEXIST);
    expect(book.routeCount).toBe(1);
  });

  it('counts reports for unknown routes and unknown hosts', () => {
    const { book } = make();
    expect(book.report(9, 9, IP, 1, 0, 0, 0)).toBe('unknown-route');
    book.getHost(1, 1, 0);
    book.onRouteResponse(1, 1, hosts(1), 0);
    expect(book.report(1, 1, IP, 2, 0, 0, 0)).toBe('unknown-host');
    expect(book.report(1, 1, IP, 1, 0, 0, 0)).toBe('ok');
    expect(book.counters).toMatchObject({ report: 3, reportsOk: 1, reportsUnknownRoute: 1, reportsUnknownHost: 1 });
  });

  it('rejects a bad caller or config', () => {
    const out = { pull: () => true, report: () => {} };
    expect(() => new RouteBook(LOAD_BALANCE_DEFAULTS, out, -1)).toThrow(
      expect.objectContaining({ code: ErrorCode.BAD_OPTION }),
    );
    expect(() => new RouteBook({ ...LOAD_BALANCE_DEFAULTS, probeNum: 0 }, out, CALLER)).toThrow(/probeNum/);
  });
});

describe('RouteBook route budget (maxRoutes)', () => {
  it('holds at most the budget: past it an unknown key answers NOEXIST with no state and no pull, counted', () => {
    const budget = SharedRouteBudget.create(3);
    const pulls: string[] = [];
    const book = new RouteBook(
      LOAD_BALANCE_DEFAULTS,
      { pull: (m, c) => pulls.push(`${m}/${c}`) > 0, report: () => {} },
      CALLER,
      budget,
    );
    for (let k = 1; k <= 5; k++) {
      book.getHost(k, 0, 0);
      book.onRouteResponse(k, 0, hosts(k), 0);
    }
    expect(book.getRoute(6, 0, 0)).toEqual([]);
    expect(book.routeCount).toBe(3);
    expect(budget.used).toBe(3);
    expect(pulls).toEqual(['1/0', '2/0', '3/0']);
    expect(book.counters).toMatchObject({ routesOverLimit: 3, picksNoexist: 5, picksSucc: 0, responsesIgnored: 2 });
    expect(book.find(4, 0)).toBeUndefined();
    // A held key is still served.
    expect(book.getHost(2, 0, 1).ret).toBe(RetCode.SUCC);
  });

  it('a forgotten route gives its slot back', () => {
    const budget = SharedRouteBudget.create(1);
    const book = new RouteBook(LOAD_BALANCE_DEFAULTS, { pull: () => true, report: () => {} }, CALLER, budget);
    book.getHost(1, 1, 0);
    book.getHost(2, 2, 0);
    expect(book.counters.routesOverLimit).toBe(1);
    book.tick(10 * U);
    expect(book.routeCount).toBe(0);
    expect(budget.used).toBe(0);
    book.getHost(2, 2, 10 * U);
    expect(book.find(2, 2)).toBeDefined();
    expect(budget.used).toBe(1);
  });

  it('two books sharing a budget hold exactly its size between them', () => {
    const budget = SharedRouteBudget.create(4);
    const out = { pull: () => true, report: () => {} };
    const a = new RouteBook(LOAD_BALANCE_DEFAULTS, out, CALLER, SharedRouteBudget.attach(budget.buffer, 4));
    const b = new RouteBook(LOAD_BALANCE_DEFAULTS, out, CALLER, SharedRouteBudget.attach(budget.buffer, 4));
    for (let k = 0; k < 10; k++) (k % 2 === 0 ? a : b).getHost(k, 0, 0);
    expect(a.routeCount + b.routeCount).toBe(4);
    expect(a.counters.routesOverLimit + b.counters.routesOverLimit).toBe(6);
  });

  it('rejects a bad limit', () => {
    expect(() => SharedRouteBudget.create(0)).toThrow(expect.objectContaining({ code: ErrorCode.BAD_OPTION }));
    expect(() => SharedRouteBudget.create(1.5)).toThrow(/maxRoutes/);
  });
});

describe('RouteBook reporting', () => {
  function filled(overrides: Partial<LoadBalanceConfig> = {}) {
    const t = make(overrides);
    t.book.getHost(1, 2, 0);
    t.book.onRouteResponse(1, 2, hosts(1, 2), 0);
    return t;
  }

  it('sends one ReportStatusRequest per dirty route per tick', () => {
    const { book, reports } = filled();
    book.getHost(3, 4, 0);
    book.onRouteResponse(3, 4, hosts(5), 0);
    book.tick(500);
    expect(reports).toEqual([]);
    for (let i = 0; i < 5; i++) book.report(1, 2, IP, 1, 0, 0, 600);
    book.report(1, 2, IP, 2, 1, 0, 700);
    book.report(1, 2, IP, 2, 0, 0, 800);
    book.tick(1500);
    expect(reports).toEqual([
      {
        modid: 1,
        cmdid: 2,
        caller: CALLER,
        ts: 1,
        results: [
          { ip: IP, port: 1, succ: 5, err: 0, overload: false },
          { ip: IP, port: 2, succ: 1, err: 1, overload: false },
        ],
      },
    ]);
    book.tick(2500);
    expect(reports).toHaveLength(1);
    book.report(3, 4, IP, 5, 0, 0, 2600);
    book.tick(3500);
    expect(reports).toHaveLength(2);
    expect(reports[1]).toMatchObject({ modid: 3, cmdid: 4, ts: 3, results: [{ port: 5, succ: 1, err: 0 }] });
    expect(book.counters.snapshots).toBe(2);
  });

  it('sends the counts of a closing idle window at once, and the fresh window at the next tick', () => {
    const { book, reports } = filled({ idleTimeoutMs: 15_000 });
    book.report(1, 2, IP, 1, 0, 0, 1000);
    book.report(1, 2, IP, 1, 1, 0, 1000);
    book.tick(2000);
    expect(reports).toHaveLength(1);
    book.report(1, 2, IP, 1, 0, 0, 5000);
    book.report(1, 2, IP, 1, 0, 0, 15_000); // closes host 1's window (opened at 0)
    expect(reports).toHaveLength(2);
    expect(reports[1]).toMatchObject({ ts: 15, results: [{ port: 1, succ: 3, err: 1, overload: false }, { port: 2 }] });
    expect(book.counters.snapshotsImmediate).toBe(1);
    book.tick(15_500);
    expect(reports).toHaveLength(3);
    expect(reports[2].results?.[0]).toEqual({ ip: IP, port: 1, succ: 0, err: 0, overload: false });
  });

  it('shows a host that just went to overload with overload = true at the next tick, with no further report', () => {
    const { book, reports } = filled();
    for (let i = 0; i < 15; i++) book.report(1, 2, IP, 2, 1, 0, 300); // contin_err_limit 15
    expect(reports).toHaveLength(1);
    expect(reports[0].results?.[1]).toEqual({ ip: IP, port: 2, succ: 0, err: 15, overload: false });
    book.tick(1000);
    expect(reports).toHaveLength(2);
    expect(reports[1].results?.[1]).toEqual({ ip: IP, port: 2, succ: 0, err: 0, overload: true });
    expect(book.counters.toOverload).toBe(1);
  });

  it('reports the return to idle by overload_timeout found by a pick', () => {
    const { book, reports } = filled({ continErrLimit: 1, overloadTimeoutMs: 15_000 });
    book.report(1, 2, IP, 2, 1, 0, 0);
    book.tick(1000);
    const sent = reports.length;
    book.getHost(1, 2, 15_000);
    book.tick(16_000);
    expect(reports).toHaveLength(sent + 1);
    expect(reports.at(-1)?.results?.[1]).toMatchObject({ port: 2, overload: false });
    expect(book.counters.toIdle).toBe(1);
  });

  it('flush sends what is dirty without waiting for a tick', () => {
    const { book, reports } = filled();
    book.report(1, 2, IP, 1, 0, 0, 100);
    book.flush(200);
    expect(reports).toHaveLength(1);
    book.flush(300);
    expect(reports).toHaveLength(1);
  });
});
