import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { ipToInt } from '@lars/proto';
import { changeRoutes, type RouteEdit } from '@lars/store';
import { until } from '../../../test-support/wait.js';
import type { DnsServer } from '../src/index.js';
import { dnsBed } from './dns-bed.js';

const CHECK_MS = 100;
const bed = dnsBed({ checkIntervalMs: CHECK_MS, reloadIntervalMs: 60_000 });
const { startDns, client } = bed;

const host = (modid: number, cmdid: number, ip: string, port: number): RouteEdit => ({
  op: 'add',
  modid,
  cmdid,
  ip: ipToInt(ip),
  port,
});
const checks = (dns: DnsServer) => dns.stats().checks as number;

describe('DnsServer', () => {
  it('serves routes inserted with SQL, and an empty host list for an unknown key', async () => {
    await bed.db.admin.query(
      "INSERT INTO RouteData (modid, cmdid, serverip, serverport) VALUES (101, 1, INET_ATON('192.168.1.177'), 7777), (101, 1, INET_ATON('10.0.0.2'), 80), (102, 5, INET_ATON('127.0.0.1'), 9000)",
    );
    const { port } = await startDns();
    const c = await client(port);
    expect(await c.ask(101, 1)).toEqual({ modid: 101, cmdid: 1, hosts: ['10.0.0.2:80', '192.168.1.177:7777'] });
    expect(await c.ask(102, 5)).toEqual({ modid: 102, cmdid: 5, hosts: ['127.0.0.1:9000'] });
    expect(await c.ask(999, 9)).toEqual({ modid: 999, cmdid: 9, hosts: [] });
  });

  it('pushes a change to subscribed connections within two check rounds; unsubscribed ones get nothing', async () => {
    const { dns, port } = await startDns();
    const subscribed = await client(port);
    const other = await client(port);
    expect((await subscribed.ask(201, 1)).hosts).toEqual([]);
    expect((await other.ask(202, 1)).hosts).toEqual([]);

    const push = subscribed.next(201, 1);
    const before = checks(dns);
    await changeRoutes(bed.admin, [host(201, 1, '192.168.2.1', 8001)]);
    expect((await push).hosts).toEqual(['192.168.2.1:8001']);
    expect(checks(dns) - before).toBeLessThanOrEqual(2);

    // One more round after the push: still nothing for the other connection.
    const seen = checks(dns);
    await until(() => checks(dns) >= seen + 2, 'two more check rounds');
    expect(other.answersFor(201, 1)).toEqual([]);
    expect(other.answers).toHaveLength(1);
  });

  it('pushes both of two changes committed within the same second', async () => {
    const { port } = await startDns();
    const c = await client(port);
    await c.ask(301, 1);
    await c.ask(302, 1);
    const first = c.next(301, 1);
    const second = c.next(302, 1);
    const a = await changeRoutes(bed.admin, [host(301, 1, '10.3.0.1', 1)]);
    const b = await changeRoutes(bed.admin, [host(302, 1, '10.3.0.2', 2)]);
    expect(b.version).toBeGreaterThan(a.version);
    expect((await first).hosts).toEqual(['10.3.0.1:1']);
    expect((await second).hosts).toEqual(['10.3.0.2:2']);

    // The same key twice in one second: the last push holds both hosts.
    await c.ask(303, 1);
    await changeRoutes(bed.admin, [host(303, 1, '10.3.0.3', 3)]);
    await changeRoutes(bed.admin, [host(303, 1, '10.3.0.4', 4)]);
    await until(() => c.answersFor(303, 1).at(-1)!.hosts.length === 2, 'a push with both hosts of 303/1');
    expect(c.answersFor(303, 1).at(-1)!.hosts).toEqual(['10.3.0.3:3', '10.3.0.4:4']);
  });

  it('pushes a change made to RouteData alone (no version bump) at the periodic full reload', async () => {
    const { dns, port } = await startDns({ reloadIntervalMs: 300 });
    const c = await client(port);
    expect((await c.ask(401, 1)).hosts).toEqual([]);
    const incremental = dns.stats().incrementalLoads;
    const push = c.next(401, 1);
    await bed.db.admin.query(
      "INSERT INTO RouteData (modid, cmdid, serverip, serverport) VALUES (401, 1, INET_ATON('10.4.0.1'), 4001)",
    );
    // The full reload compares the new table with the served one and pushes the difference.
    expect(await push).toEqual({ modid: 401, cmdid: 1, hosts: ['10.4.0.1:4001'] });
    expect((await c.ask(401, 1)).hosts).toEqual(['10.4.0.1:4001']);
    expect(c.answersFor(401, 1)).toHaveLength(3);
    expect(dns.stats().incrementalLoads).toBe(incremental);
  });

  it('pushes an empty host list when every host of a route is deleted', async () => {
    await changeRoutes(bed.admin, [host(501, 2, '10.5.0.1', 1), host(501, 2, '10.5.0.2', 2)]);
    const { port } = await startDns();
    const c = await client(port);
    expect((await c.ask(501, 2)).hosts).toEqual(['10.5.0.1:1', '10.5.0.2:2']);
    const push = c.next(501, 2);
    await changeRoutes(bed.admin, [{ op: 'del-route', modid: 501, cmdid: 2 }]);
    expect(await push).toEqual({ modid: 501, cmdid: 2, hosts: [] });
  });

  it('with maxConn N refuses connection N+1 and keeps answering the first N', async () => {
    const { dns, port } = await startDns({ maxConn: 2 });
    const a = await client(port);
    const b = await client(port);
    // Both have sent a valid frame, so neither can be displaced (dns-connection-guards.test.ts covers that).
    await a.ask(601, 1);
    await b.ask(602, 1);
    const extra = connect(port, '127.0.0.1');
    bed.onCleanup(() => void extra.destroy());
    await once(extra, 'close');
    expect(dns.stats().refused).toBe(1);
    expect((await a.ask(601, 1)).modid).toBe(601);
    expect((await b.ask(602, 1)).modid).toBe(602);
  });

  it('a client sending garbage does not disturb the others', async () => {
    const { dns, port } = await startDns();
    const good = await client(port);
    await good.ask(701, 1);

    // Undecodable body for GetRouteRequest: dropped and counted, connection kept.
    const noisy = await rawSocket(port);
    noisy.write(Buffer.from('0100000003000000ffffff', 'hex'));
    // Then a malformed header (msglen 0x7fffffff): that connection is closed.
    noisy.write(Buffer.from('01000000ffffff7f', 'hex'));
    await once(noisy, 'close');

    expect((await good.ask(701, 1)).modid).toBe(701);
    const stats = dns.stats();
    expect(stats.badBody).toBe(1);
    expect(stats.badFrames).toBe(1);
    expect(good.connected).toBe(true);
  });
});

async function rawSocket(port: number): Promise<Socket> {
  const s = connect(port, '127.0.0.1');
  await once(s, 'connect');
  s.on('error', () => undefined);
  bed.onCleanup(() => void s.destroy());
  return s;
}
