// RouteBook with a get_host table: the table (here in JavaScript, standing in
// for @lars/udp-native's GetHostTable and its serving thread's pick) answers
// only what the book's own pick would, and every operation of the book takes
// the thread's picks back first. Invariants checked after every step: no
// slot is left locked, and a lock is never taken twice.
import { RetCode } from '@lars/proto';
import { describe, expect, it } from 'vitest';
import { LOAD_BALANCE_DEFAULTS } from '../src/load-balance-config.js';
import type { LoadBalanceConfig } from '../src/load-balance-config.js';
import { RouteBook } from '../src/route-book.js';
import type { GetHostTableSlots } from '../src/route-table-link.js';

const IP = 3232235953;
const U = LOAD_BALANCE_DEFAULTS.updateTimeoutMs;
const MAX_HOSTS = 4;

interface FakeSlot {
  modid: number;
  cmdid: number;
  locked: boolean;
  state: 'held' | 'serve' | 'dead';
  hosts: Array<{ ip: number; port: number }>;
  count: number;
  cursor: number;
  deadlineMs: number;
  lastAccessMs: number;
}

/** GetHostTableSlots over plain objects, plus pick(): what the serving thread does with a GetHostRequest. */
class FakeTable implements GetHostTableSlots {
  readonly maxHosts = MAX_HOSTS;
  readonly slots: FakeSlot[] = [];
  private answeredCount = 0;

  open(modid: number, cmdid: number): number {
    this.slots.push({
      modid,
      cmdid,
      locked: false,
      state: 'held',
      hosts: [],
      count: 0,
      cursor: 0,
      deadlineMs: 0,
      lastAccessMs: 0,
    });
    return this.slots.length - 1;
  }
  lock(slot: number): void {
    expect(this.slots[slot].locked, `slot ${slot} locked twice`).toBe(false);
    this.slots[slot].locked = true;
  }
  unlock(slot: number): void {
    expect(this.slots[slot].locked, `slot ${slot} unlocked while not locked`).toBe(true);
    this.slots[slot].locked = false;
  }
  private held(slot: number): FakeSlot {
    const s = this.slots[slot];
    expect(s.locked, `slot ${slot} used without its lock`).toBe(true);
    return s;
  }
  serving(slot: number): boolean {
    return this.held(slot).state === 'serve';
  }
  cursor(slot: number): number {
    return this.held(slot).cursor;
  }
  lastAccess(slot: number): number {
    return this.held(slot).lastAccessMs;
  }
  setHost(slot: number, i: number, ip: number, port: number): void {
    this.held(slot).hosts[i] = { ip, port };
  }
  serve(slot: number, count: number, deadlineMs: number, lastAccessMs: number): void {
    Object.assign(this.held(slot), { state: 'serve', count, cursor: 0, deadlineMs, lastAccessMs });
  }
  hold(slot: number): void {
    this.held(slot).state = 'held';
  }
  remove(slot: number): void {
    this.held(slot).state = 'dead';
  }
  answered(): number {
    const n = this.answeredCount;
    this.answeredCount = 0;
    return n;
  }

  /** The thread's answer to a get_host of (modid, cmdid) at `now`: a port, or undefined (handed to JavaScript). */
  pick(modid: number, cmdid: number, now: number): number | undefined {
    const s = this.slots.find((x) => x.modid === modid && x.cmdid === cmdid && x.state !== 'dead');
    if (s === undefined || s.state !== 'serve' || now > s.deadlineMs) return undefined;
    expect(s.locked, 'the thread found the slot locked outside a book call').toBe(false);
    const host = s.hosts[s.cursor];
    s.cursor = (s.cursor + 1) % s.count;
    s.lastAccessMs = Math.max(s.lastAccessMs, now);
    this.answeredCount++;
    return host.port;
  }

  unlocked(): boolean {
    return this.slots.every((s) => !s.locked);
  }
}

function make(overrides: Partial<LoadBalanceConfig> = {}) {
  const table = new FakeTable();
  const pulls: string[] = [];
  const book = new RouteBook(
    { ...LOAD_BALANCE_DEFAULTS, ...overrides },
    { pull: (modid, cmdid) => pulls.push(`${modid}/${cmdid}`) > 0, report: () => true },
    1,
    undefined,
    table,
  );
  /** A get_host as the agent serves it: the thread when it can, else the book. */
  const getHost = (modid: number, cmdid: number, now: number): { by: 'thread' | 'book'; port: number } => {
    const port = table.pick(modid, cmdid, now);
    if (port !== undefined) return { by: 'thread', port };
    const r = book.getHost(modid, cmdid, now);
    expect(table.unlocked()).toBe(true);
    return { by: 'book', port: r.ret === RetCode.SUCC ? r.host!.port : -r.ret };
  };
  return { table, book, pulls, getHost };
}

const hosts = (...ports: number[]) => ports.map((port) => ({ ip: IP, port }));

describe('RouteBook with a get_host table', () => {
  it('leaves a new route to the book until it has hosts, then the thread answers in the same rotation', () => {
    const { table, book, getHost } = make();
    expect(getHost(1, 2, 0)).toEqual({ by: 'book', port: -RetCode.NOEXIST });
    expect(table.slots[0].state).toBe('held');
    book.onRouteResponse(1, 2, hosts(1, 2, 3), 10);
    expect(table.slots[0]).toMatchObject({ state: 'serve', count: 3, deadlineMs: U, locked: false });
    const seen = [1, 2, 3, 4, 5].map(() => getHost(1, 2, 20));
    expect(seen.map((s) => s.by)).toEqual(['thread', 'thread', 'thread', 'thread', 'thread']);
    expect(seen.map((s) => s.port)).toEqual([1, 2, 3, 1, 2]);
    // The book's own pick goes on from where the thread stopped; so does the thread after it.
    expect(book.getHost(1, 2, 30).host?.port).toBe(3);
    expect(getHost(1, 2, 30)).toEqual({ by: 'thread', port: 1 });
    expect(book.getRoute(1, 2, 30).map((h) => h.port)).toEqual([1, 2, 3]);
    expect(getHost(1, 2, 30)).toEqual({ by: 'thread', port: 2 });
    book.absorbAnswered();
    expect(book.counters).toMatchObject({ getHost: 9, picksSucc: 8, picksInThread: 7, picksNoexist: 1 });
  });

  it('takes back a route with an overloaded host (probe turns are the book’s), and serves it again once idle', () => {
    const { table, book, getHost } = make({ continErrLimit: 2, overloadTimeoutMs: 1000 });
    getHost(1, 1, 0);
    book.onRouteResponse(1, 1, hosts(1, 2), 0);
    expect(getHost(1, 1, 0)).toEqual({ by: 'thread', port: 1 });
    book.report(1, 1, IP, 2, 1, 0, 5);
    book.report(1, 1, IP, 2, 1, 0, 5);
    expect(book.counters.toOverload).toBe(1);
    expect(table.slots[0].state).toBe('held');
    expect(getHost(1, 1, 6)).toEqual({ by: 'book', port: 1 });
    // overload_timeout passed: the book's next pick finds host 2 idle and hands the route back.
    getHost(1, 1, 1010);
    expect(book.counters.toIdle).toBe(1);
    expect(table.slots[0].state).toBe('serve');
    expect(getHost(1, 1, 1010).by).toBe('thread');
    expect(table.unlocked()).toBe(true);
  });

  it('leaves to the book a route of more hosts than the table holds, and one whose pull is due', () => {
    const { table, book, pulls, getHost } = make();
    getHost(1, 1, 0);
    book.onRouteResponse(1, 1, hosts(1, 2, 3, 4, 5), 0);
    expect(table.slots[0].state).toBe('held');
    expect(getHost(1, 1, 1).by).toBe('book');
    getHost(2, 2, 0);
    book.onRouteResponse(2, 2, hosts(1, 2, 3, 4), 0);
    expect(getHost(2, 2, U).by).toBe('thread');
    // Past update_timeout the thread declines and the book pulls again, then answers from the old hosts.
    expect(getHost(2, 2, U + 1)).toEqual({ by: 'book', port: 2 });
    expect(pulls).toEqual(['1/1', '2/2', '2/2']);
    expect(table.slots[1]).toMatchObject({ state: 'serve', deadlineMs: 2 * U + 1 });
  });

  it("counts the thread's answers as use: a route is forgotten only when neither answered it", () => {
    const { table, book, getHost } = make();
    getHost(1, 1, 0);
    book.onRouteResponse(1, 1, hosts(1), 0);
    // The book last saw the route at 0, the thread at U: 10.5 x U later it was used 9.5 x U ago.
    expect(getHost(1, 1, U).by).toBe('thread');
    book.tick(10.5 * U);
    expect(book.counters.routesForgotten).toBe(0);
    book.tick(11.5 * U);
    expect(book.counters.routesForgotten).toBe(1);
    expect(table.slots[0].state).toBe('dead');
    expect(table.pick(1, 1, 11.5 * U)).toBeUndefined();
    expect(table.unlocked()).toBe(true);
  });
});
