// Several DNS on one database: each keeps its own cursor over RouteChange
// (change-cursor.ts), nothing deletes rows on read, so every DNS pushes
// every change to its own subscribers; rows go only by the age sweep.
import { describe, expect, it } from 'vitest';
import { changeRoutes, type RouteEdit } from '@lars/store';
import { createConnection, type RowDataPacket } from 'mysql2/promise';
import { until } from '../../../test-support/wait.js';
import { dnsBed } from './dns-bed.js';
import type { RouteClient } from './route-client.js';

const bed = dnsBed({ checkIntervalMs: 50, reloadIntervalMs: 60_000, defaultMetrics: false });
const { startDns, client } = bed;

const add = (modid: number, cmdid: number, n: number): RouteEdit => ({
  op: 'add',
  modid,
  cmdid,
  ip: 167772160 + n,
  port: 7000,
});
const hostsUpTo = (n: number) => Array.from({ length: n }, (_, i) => `10.0.0.${i + 1}:7000`).sort();

/** Resolves once `c` has received an answer for the key holding exactly `hosts`. */
const holds = (c: RouteClient, modid: number, cmdid: number, hosts: string[]) =>
  until(
    () => c.answersFor(modid, cmdid).some((a) => JSON.stringify(a.hosts) === JSON.stringify(hosts)),
    `${modid}/${cmdid} holding ${hosts.length} hosts`,
  );

async function routeChangeRows(): Promise<number> {
  const [rows] = await bed.admin.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM RouteChange');
  return Number(rows[0].n);
}

describe('two DNS on one database', () => {
  it('both push every change to their own subscribers, by incremental loads, and no RouteChange row is consumed', async () => {
    const a = await startDns();
    const b = await startDns();
    const ca = await client(a.port);
    const cb = await client(b.port);
    await ca.ask(10, 1);
    await cb.ask(10, 1);
    const rowsBefore = await routeChangeRows();
    const CHANGES = 10;
    for (let i = 1; i <= CHANGES; i++) {
      const pa = ca.next(10, 1);
      const pb = cb.next(10, 1);
      await changeRoutes(bed.admin, [add(10, 1, i)]);
      expect((await pa).hosts).toEqual(hostsUpTo(i));
      expect((await pb).hosts).toEqual(hostsUpTo(i));
    }
    expect(await routeChangeRows()).toBe(rowsBefore + CHANGES);
    for (const { dns } of [a, b]) {
      const s = dns.stats();
      expect(s.pushes).toBe(CHANGES);
      expect(s.incrementalLoads).toBe(CHANGES);
    }
  });

  it('restarting one DNS loses nothing: the other keeps pushing, the restarted one serves what changed meanwhile', async () => {
    const a = await startDns();
    const b = await startDns();
    const ca = await client(a.port);
    const cb = await client(b.port);
    await ca.ask(20, 1);
    await cb.ask(20, 1);
    await changeRoutes(bed.admin, [add(20, 1, 1)]);
    await holds(ca, 20, 1, hostsUpTo(1));
    await holds(cb, 20, 1, hostsUpTo(1));
    await cb.close();
    await b.dns.close();
    await changeRoutes(bed.admin, [add(20, 1, 2)]);
    // A DNS starting (and reading RouteChange from scratch) takes nothing from the one running.
    const b2 = await startDns();
    await changeRoutes(bed.admin, [add(20, 1, 3)]);
    const cb2 = await client(b2.port);
    // Its first answer may come before or after the third change's load: it ends holding all three.
    await cb2.ask(20, 1);
    await holds(cb2, 20, 1, hostsUpTo(3));
    await holds(ca, 20, 1, hostsUpTo(3));
    const pa = ca.next(20, 1);
    const pb = cb2.next(20, 1);
    await changeRoutes(bed.admin, [add(20, 1, 4)]);
    expect((await pa).hosts).toEqual(hostsUpTo(4));
    expect((await pb).hosts).toEqual(hostsUpTo(4));
    expect(ca.answersFor(20, 1).map((x) => x.hosts.length)).toEqual([0, 1, 2, 3, 4]);
  });

  it('20 concurrent route changes all arrive at the subscribers of both', async () => {
    const a = await startDns();
    const b = await startDns();
    const ca = await client(a.port);
    const cb = await client(b.port);
    const KEYS = 20;
    for (let k = 0; k < KEYS; k++) {
      await ca.ask(30 + k, 1);
      await cb.ask(30 + k, 1);
    }
    // Each on its own connection (the bed's pool holds 4): they queue on the RouteVersion lock, each with its own version.
    const { host, port, adminUser: user, adminPassword: password, name: database } = bed.db;
    const conns = await Promise.all(
      Array.from({ length: KEYS }, () => createConnection({ host, port, user, password, database })),
    );
    try {
      await Promise.all(conns.map((conn, k) => changeRoutes(conn, [add(30 + k, 1, k + 1)])));
    } finally {
      await Promise.all(conns.map((conn) => conn.end()));
    }
    for (let k = 0; k < KEYS; k++) {
      const hosts = [`10.0.0.${k + 1}:7000`];
      await holds(ca, 30 + k, 1, hosts);
      await holds(cb, 30 + k, 1, hosts);
    }
    for (const c of [ca, cb]) {
      for (let k = 0; k < KEYS; k++) expect(c.answersFor(30 + k, 1).at(-1)!.hosts).toEqual([`10.0.0.${k + 1}:7000`]);
    }
  });

  it('a version bumped with no RouteChange row (a tool writing SQL) makes a full load that pushes the difference', async () => {
    const a = await startDns();
    const ca = await client(a.port);
    await ca.ask(60, 1);
    const full = (a.dns.stats().loads as number) - (a.dns.stats().incrementalLoads as number);
    const push = ca.next(60, 1);
    await bed.admin.query(
      "INSERT INTO RouteData (modid, cmdid, serverip, serverport) VALUES (60, 1, INET_ATON('10.4.0.1'), 1)",
    );
    await bed.admin.query('UPDATE RouteVersion SET version = version + 1 WHERE id = 1');
    expect((await push).hosts).toEqual(['10.4.0.1:1']);
    expect((a.dns.stats().loads as number) - (a.dns.stats().incrementalLoads as number)).toBe(full + 1);
  });

  it('sweeps RouteChange rows past the retention, however many DNS sweep, and keeps the rest', async () => {
    await bed.admin.query('DELETE FROM RouteChange');
    const OLD = 25;
    const old = Array.from({ length: OLD }, (_, i) => [50, i, 1]);
    await bed.admin.query(
      'INSERT INTO RouteChange (modid, cmdid, version, ctime) SELECT v.m, v.c, v.v, NOW() - INTERVAL 2 HOUR FROM (SELECT ? AS m) AS x JOIN JSON_TABLE(?, "$[*]" COLUMNS (m INT PATH "$[0]", c INT PATH "$[1]", v INT PATH "$[2]")) AS v',
      [0, JSON.stringify(old)],
    );
    await changeRoutes(bed.admin, [add(51, 1, 1)]);
    const a = await startDns({ changeRetentionS: 3600, sweepIntervalMs: 50 });
    const b = await startDns({ changeRetentionS: 3600, sweepIntervalMs: 50 });
    await until(async () => (await routeChangeRows()) === 1, 'the old rows swept');
    const swept = (a.dns.stats().changesSwept as number) + (b.dns.stats().changesSwept as number);
    expect(swept).toBe(OLD);
    const [rows] = await bed.admin.query<RowDataPacket[]>('SELECT modid FROM RouteChange');
    expect(rows.map((r) => r.modid)).toEqual([51]);
  });
});
