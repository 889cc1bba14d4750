// The subscription rule on a fake clock (dns-subscriptions.ts): a subscription
// lives until ttl after the later of its last pull and the last push sent to
// it; the sweep visits only due buckets; an original C++ agent (re-pulls only
// after update_timeout without an update) and a Lars-TS agent (re-pulls every
// update_timeout from its last pull) both keep the routes they use.
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '@lars/wire';
import { Subscriber, Subscriptions, sweepPeriodMs } from '../src/dns-subscriptions.js';

interface Conn {
  name: string;
  got: number;
  /** false: the connection refuses frames (output over its bound). */
  takes: boolean;
}

function setup(ttlMs = 60_000) {
  const clock = { t: 1_000_000 };
  const subs = new Subscriptions<Conn>({ ttlMs, now: () => clock.t });
  const conn = (name: string): Subscriber<Conn> => new Subscriber({ name, got: 0, takes: true });
  const push = (modid: number, cmdid = 1) =>
    subs.push(modid, cmdid, (c) => {
      if (!c.takes) return false;
      c.got++;
      return true;
    });
  return { clock, subs, conn, push };
}

describe('Subscriptions', () => {
  it('rejects a ttl that is not a positive integer, naming the option', () => {
    expect(() => new Subscriptions({ ttlMs: 0 })).toThrow(expect.objectContaining({ code: ErrorCode.BAD_OPTION }));
    expect(() => new Subscriptions({ ttlMs: 1.5 })).toThrow(/subscriptionTtlMs/);
  });

  it('sweeps once per ttl / 8, within 1 ms .. 1 s', () => {
    expect([sweepPeriodMs(60_000), sweepPeriodMs(800), sweepPeriodMs(4)]).toEqual([1000, 100, 1]);
  });

  it('expires a subscription neither pulled nor pushed for ttl, exactly at its deadline', () => {
    const { clock, subs, conn } = setup();
    const a = conn('a');
    for (let modid = 1; modid <= 5; modid++) subs.pull(a, modid, 1);
    expect({ count: subs.count, keys: subs.keys, owned: a.size }).toEqual({ count: 5, keys: 5, owned: 5 });
    clock.t += 59_999;
    expect(subs.sweep()).toBe(0);
    expect(subs.count).toBe(5);
    clock.t += 1;
    expect(subs.sweep()).toBe(5);
    expect({ count: subs.count, keys: subs.keys, owned: a.size, expired: subs.expired }).toEqual({
      count: 0,
      keys: 0,
      owned: 0,
      expired: 5,
    });
  });

  it('a pull renews: ttl counts from the last one', () => {
    const { clock, subs, conn } = setup();
    const a = conn('a');
    subs.pull(a, 1, 1);
    clock.t += 40_000;
    subs.pull(a, 1, 1);
    clock.t += 59_999;
    subs.sweep();
    expect(subs.count).toBe(1);
    clock.t += 1;
    subs.sweep();
    expect({ count: subs.count, expired: subs.expired }).toEqual({ count: 0, expired: 1 });
  });

  it('a push that was sent renews; one the connection refused does not', () => {
    const { clock, subs, conn, push } = setup();
    const taker = conn('taker');
    const refuser = conn('refuser');
    refuser.conn.takes = false;
    subs.pull(taker, 7, 1);
    subs.pull(refuser, 7, 1);
    clock.t += 50_000;
    push(7);
    clock.t += 10_000;
    subs.sweep();
    expect({ count: subs.count, expired: subs.expired, takerOwns: taker.size, refuserOwns: refuser.size }).toEqual({
      count: 1,
      expired: 1,
      takerOwns: 1,
      refuserOwns: 0,
    });
    clock.t += 49_999;
    subs.sweep();
    expect(subs.count).toBe(1);
    clock.t += 1;
    subs.sweep();
    expect(subs.count).toBe(0);
  });

  it('never pushes to an expired subscription, even before the sweep removed it', () => {
    const { clock, subs, conn, push } = setup();
    const a = conn('a');
    subs.pull(a, 3, 1);
    clock.t += 60_000;
    push(3);
    expect({ got: a.conn.got, count: subs.count, expired: subs.expired, has: subs.has(3, 1) }).toEqual({
      got: 0,
      count: 0,
      expired: 1,
      has: false,
    });
    // The sweep then finds it gone and counts nothing twice.
    clock.t += 2000;
    expect(subs.sweep()).toBe(0);
    expect(subs.expired).toBe(1);
  });

  it('drop (the connection closed) removes every subscription without counting them expired', () => {
    const { clock, subs, conn } = setup();
    const a = conn('a');
    const b = conn('b');
    subs.pull(a, 1, 1);
    subs.pull(a, 2, 1);
    subs.pull(b, 1, 1);
    subs.drop(a);
    expect({ count: subs.count, keys: subs.keys, owned: a.size }).toEqual({ count: 1, keys: 1, owned: 0 });
    clock.t += 60_000;
    subs.sweep();
    expect({ count: subs.count, expired: subs.expired }).toEqual({ count: 0, expired: 1 });
  });

  it('a sweep visits only due buckets: each subscription about once per ttl however often it is renewed', () => {
    const { clock, subs, conn } = setup();
    const N = 10_000;
    const agents = Array.from({ length: 10 }, (_, i) => conn(`agent${i}`));
    for (let i = 0; i < N; i++) subs.pull(agents[i % 10], i, 1);
    // 10 minutes of 1 s sweeps, every subscription re-pulled every 15 s (the Lars-TS agent's rule).
    const start = clock.t;
    for (let s = 1; s <= 600; s++) {
      clock.t = start + s * 1000;
      if (s % 15 === 0) for (let i = 0; i < N; i++) subs.pull(agents[i % 10], i, 1);
      subs.sweep();
    }
    expect({ count: subs.count, expired: subs.expired }).toEqual({ count: N, expired: 0 });
    // 600 s / ~60 s per visit = about 10 visits each (one re-file per ttl); a full scan per sweep would be 600.
    expect(subs.sweepVisits).toBeLessThanOrEqual(11 * N);
    expect(subs.sweepVisits).toBeGreaterThanOrEqual(9 * N);
  });

  it('a long gap between sweeps (stalled loop) visits the buckets there are, and expires what is due', () => {
    const { clock, subs, conn } = setup(1000);
    const a = conn('a');
    subs.pull(a, 1, 1);
    clock.t += 1e9;
    expect(subs.sweep()).toBe(1);
  });

  it('an original agent (re-pulls only after update_timeout without an update) gets every change as a push, and keeps the route', () => {
    const UPDATE_TIMEOUT = 15_000;
    const { clock, subs, conn, push } = setup(60_000);
    const agent = conn('original');
    let lastUpdate = clock.t;
    let lastPush = clock.t;
    let pulls = 1;
    subs.pull(agent, 1, 1);
    // A seeded change pattern: bursts of pushes every few seconds, then quiet spells of up to 200 s.
    let seed = 42;
    const rand = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    let nextChange = clock.t + 1000;
    let changes = 0;
    /** Changes after a quiet spell longer than the ttl: only the agent's re-pulls kept the route. */
    let afterLongQuiet = 0;
    const end = clock.t + 3_600_000;
    while (clock.t < end) {
      clock.t += 1000;
      if (clock.t >= nextChange) {
        const before = agent.conn.got;
        if (clock.t - lastPush > 60_000) afterLongQuiet++;
        lastPush = clock.t;
        push(1);
        changes++;
        // Each change reaches the agent at once: the subscription was alive.
        expect(agent.conn.got).toBe(before + 1);
        lastUpdate = clock.t;
        nextChange = clock.t + (rand() < 0.7 ? 1000 + rand() * 10_000 : 20_000 + rand() * 180_000);
      }
      // The agent's get_host check, once a second: a pull only after update_timeout without an update.
      if (clock.t - lastUpdate >= UPDATE_TIMEOUT) {
        subs.pull(agent, 1, 1);
        pulls++;
        lastUpdate = clock.t;
      }
      subs.sweep();
    }
    expect({ got: agent.conn.got, expired: subs.expired, count: subs.count }).toEqual({
      got: changes,
      expired: 0,
      count: 1,
    });
    // The seeded pattern: these many changes, quiet spells and re-pulls (bursts alone would prove nothing).
    expect({ changes, afterLongQuiet, pulls }).toEqual({ changes: 81, afterLongQuiet: 23, pulls: 204 });
  });

  it('an agent that stops using a route loses the subscription one ttl after its last pull or push', () => {
    const { clock, subs, conn, push } = setup(60_000);
    const agent = conn('agent');
    subs.pull(agent, 1, 1);
    subs.pull(agent, 2, 1);
    clock.t += 30_000;
    push(2);
    clock.t += 30_000;
    subs.sweep();
    expect({ count: subs.count, expired: subs.expired, route2: subs.has(2, 1) }).toEqual({
      count: 1,
      expired: 1,
      route2: true,
    });
    clock.t += 30_000;
    subs.sweep();
    expect({ count: subs.count, expired: subs.expired }).toEqual({ count: 0, expired: 2 });
  });
});
