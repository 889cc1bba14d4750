// Issue 11 item 6 through a real DnsServer and the real MariaDB: a
// subscription nobody renews is released after [dns] subscription_ttl, one
// renewed by pulls (the Lars-TS agent) or by the pushes it receives (the
// original C++ agent) is kept, and a push never goes to an expired one.
import { describe, expect, it } from 'vitest';
import { ipToInt } from '@lars/proto';
import { changeRoutes, type RouteEdit } from '@lars/store';
import { until } from '../../../test-support/wait.js';
import type { DnsServer } from '../src/index.js';
import { dnsBed } from './dns-bed.js';

const TTL_MS = 1000;
// No periodic reload: every load is one the test caused.
const bed = dnsBed({
  checkIntervalMs: 20,
  reloadIntervalMs: 600_000,
  subscriptionTtlMs: TTL_MS,
  defaultMetrics: false,
});
const { startDns, client } = bed;
/** A timer the test starts, cleared after it. */
const every = (fn: () => void, ms: number): void => {
  const t = setInterval(fn, ms);
  bed.onCleanup(() => clearInterval(t));
};

const add = (modid: number, ip: string, port: number): RouteEdit => ({
  op: 'add',
  modid,
  cmdid: 1,
  ip: ipToInt(ip),
  port,
});
const stat = (dns: DnsServer, name: 'subscriptions' | 'subscriptionsExpired' | 'subscribedKeys' | 'pushes') =>
  dns.stats()[name] as number;

describe('DNS subscription ttl', () => {
  it('releases the N subscriptions of a connection that never renews, keeps a renewed one, and pushes only to it', async () => {
    const N = 5;
    const { dns, port } = await startDns();
    const stale = await client(port);
    const renewer = await client(port);
    for (let i = 1; i <= N; i++) expect((await stale.ask(100 + i, 1)).hosts).toEqual([]);
    expect((await renewer.ask(200, 1)).hosts).toEqual([]);
    expect({ subscriptions: stat(dns, 'subscriptions'), keys: stat(dns, 'subscribedKeys') }).toEqual({
      subscriptions: N + 1,
      keys: N + 1,
    });
    // The Lars-TS agent's rule, sped up: a re-pull every ttl / 10.
    every(() => renewer.pull(200, 1), TTL_MS / 10);

    await until(() => stat(dns, 'subscriptionsExpired') >= N, 'the stale subscriptions to expire');
    expect({
      subscriptions: stat(dns, 'subscriptions'),
      keys: stat(dns, 'subscribedKeys'),
      expired: stat(dns, 'subscriptionsExpired'),
    }).toEqual({ subscriptions: 1, keys: 1, expired: N });

    // One transaction changes a route of the stale connection and the renewer's: one round, one push.
    const pushes = stat(dns, 'pushes');
    const staleFrames = stale.answers.length;
    await changeRoutes(bed.admin, [add(101, '10.1.0.1', 1001), add(200, '10.2.0.1', 2001)]);
    // Its re-pulls' answers arrive too; the push is counted by the DNS, the change seen by the renewer.
    await until(() => stat(dns, 'pushes') > pushes, 'the push of the change');
    await until(
      () => renewer.answersFor(200, 1).some((a) => a.hosts.join() === '10.2.0.1:2001'),
      'the renewer to see the change',
    );
    expect(stat(dns, 'pushes') - pushes).toBe(1);
    expect(stale.answers.length).toBe(staleFrames);
    expect(stale.connected).toBe(true);

    // The stale connection pulls again: subscribed again, answered with the new hosts.
    expect((await stale.ask(101, 1)).hosts).toEqual(['10.1.0.1:1001']);
    expect(stat(dns, 'subscriptions')).toBe(2);
  });

  it('an original agent (one pull, then re-pulls only after update_timeout without an update) gets every change', async () => {
    // ttl >= 3 x update_timeout, as the defaults are (60 s vs 15 s).
    const UPDATE_TIMEOUT_MS = TTL_MS / 3;
    const { dns, port } = await startDns();
    const agent = await client(port);
    expect((await agent.ask(300, 1)).hosts).toEqual([]);
    let seen = agent.answers.length;
    let lastUpdate = performance.now();
    let repulls = 0;
    // The original agent's get_host check, run often: a pull only after update_timeout without any answer.
    every(() => {
      const now = performance.now();
      if (agent.answers.length !== seen) {
        seen = agent.answers.length;
        lastUpdate = now;
      } else if (now - lastUpdate >= UPDATE_TIMEOUT_MS) {
        agent.pull(300, 1);
        repulls++;
        lastUpdate = now;
      }
    }, 10);

    const pushesBefore = stat(dns, 'pushes');
    const hosts: string[] = [];
    const change = async (n: number): Promise<void> => {
      const ip = `10.3.${Math.floor(n / 250)}.${(n % 250) + 1}`;
      hosts.push(`${ip}:${3000 + n}`);
      const want = [...hosts].sort().join();
      const pushes = stat(dns, 'pushes');
      await changeRoutes(bed.admin, [add(300, ip, 3000 + n)]);
      // Pushed (the subscription is alive), and the agent holds the new host list.
      await until(() => stat(dns, 'pushes') === pushes + 1, `the push of change ${n}`);
      await until(() => agent.answersFor(300, 1).at(-1)?.hosts.join() === want, `the agent to see change ${n}`);
    };
    // Phase 1: changes back to back for two ttls: the pushes alone keep the subscription.
    let n = 0;
    const phase1End = performance.now() + 2 * TTL_MS;
    while (performance.now() < phase1End) await change(n++);
    // Phase 2: quiet for longer than the ttl (4 re-pulls = 4/3 ttl): the re-pulls keep it.
    const repullsBefore = repulls;
    await until(() => repulls >= repullsBefore + 4, 'four re-pulls after update_timeout without an update');
    await change(n++);

    expect({
      expired: stat(dns, 'subscriptionsExpired'),
      subscriptions: stat(dns, 'subscriptions'),
    }).toEqual({ expired: 0, subscriptions: 1 });
    // Every change was pushed to it: one push per change.
    expect(stat(dns, 'pushes') - pushesBefore).toBe(n);
    expect(n).toBeGreaterThan(2);
  });
});
