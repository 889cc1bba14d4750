// A check waits in MySQL for RouteVersion to move (route-store.ts
// waitRouteVersion): a commit by any client ends the wait, so a change is
// pushed without waiting for the next check_interval. The intervals here
// are far longer than any `until` allows, so these tests fail on a DNS that
// only polls.
import { changeRoutes, type RouteEdit } from '@lars/store';
import type { PoolConnection, RowDataPacket } from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import type { DnsServerOptions } from '../src/dns-options.js';
import { isNoCompoundStatements, readRouteVersion, waitRouteVersion } from '../src/route-store.js';
import { dnsBed } from './dns-bed.js';

/** Longer than `until`'s 20 s and vitest's 60 s: a wait that is not ended by a commit fails its test. */
const LONG_MS = 600_000;
/** [dns] version_poll's default. */
const POLL_MS = 10;

const bed = dnsBed({ checkIntervalMs: LONG_MS, reloadIntervalMs: 3_600_000, defaultMetrics: false });
const add = (modid: number, n: number): RouteEdit => ({ op: 'add', modid, cmdid: 1, ip: 167772160 + n, port: 7000 });

async function withConnection<T>(use: (c: PoolConnection) => Promise<T>): Promise<T> {
  const c = await bed.db.admin.getConnection();
  try {
    return await use(c);
  } finally {
    c.release();
  }
}

describe('waitRouteVersion', () => {
  it('answers the version another client commits, ending a wait far longer than the test', async () => {
    await withConnection(async (c) => {
      const { version } = await readRouteVersion(c);
      const waiting = waitRouteVersion(c, version, LONG_MS, POLL_MS);
      // Plain SQL, as a tool other than Lars would write it.
      await bed.admin.query('UPDATE RouteVersion SET version = version + 1 WHERE id = 1');
      const moved = await waiting;
      expect(moved.version).toBe(version + 1);
      expect(moved.nowS).toBeGreaterThan(0);
    });
  });

  it('answers the unchanged version, with MySQL clock, once the wait is over', async () => {
    await withConnection(async (c) => {
      const read = await readRouteVersion(c);
      const waited = await waitRouteVersion(c, read.version, 30, POLL_MS);
      expect(waited.version).toBe(read.version);
      expect(waited.nowS).toBeGreaterThanOrEqual(read.nowS);
    });
  });

  it('answers 0 for a missing RouteVersion row, as readRouteVersion does', async () => {
    await withConnection(async (c) => {
      const [row] = await c.query<RowDataPacket[]>('SELECT version FROM RouteVersion WHERE id = 1');
      await c.query('DELETE FROM RouteVersion WHERE id = 1');
      try {
        expect((await waitRouteVersion(c, 7, 30, POLL_MS)).version).toBe(0);
        expect((await readRouteVersion(c)).version).toBe(0);
      } finally {
        await c.query('INSERT INTO RouteVersion (id, version) VALUES (1, ?)', [row[0].version]);
      }
    });
  });

  it('tells a parse error (a server without BEGIN NOT ATOMIC) from any other', () => {
    expect(isNoCompoundStatements({ errno: 1064, code: 'ER_PARSE_ERROR' })).toBe(true);
    expect(isNoCompoundStatements({ errno: 1146, code: 'ER_NO_SUCH_TABLE' })).toBe(false);
    expect(isNoCompoundStatements(new Error('connection lost'))).toBe(false);
    expect(isNoCompoundStatements(null)).toBe(false);
  });
});

/**
 * A DNS with `options` pushes each of three changes of route modid/1 to a
 * subscriber (RouteClient.next gives each 10 s), by incremental loads.
 */
async function pushesEveryChange(modid: number, options: DnsServerOptions): Promise<void> {
  const { dns, port } = await bed.startDns(options);
  const c = await bed.client(port);
  await c.ask(modid, 1);
  for (let i = 1; i <= 3; i++) {
    const pushed = c.next(modid, 1);
    await changeRoutes(bed.admin, [add(modid, i)]);
    expect((await pushed).hosts).toHaveLength(i);
  }
  const s = dns.stats();
  expect(s.pushes).toBe(3);
  expect(s.incrementalLoads).toBe(3);
}

describe('a DNS whose check_interval is 10 minutes', () => {
  it('pushes every one of several changes to its subscriber, each seen by the check waiting in MySQL', async () => {
    await pushesEveryChange(30, {});
  });
});

describe('a DNS with version_poll = 0', () => {
  it('reads RouteVersion once per check_interval, as on a server without compound statements, and pushes every change', async () => {
    await pushesEveryChange(31, { checkIntervalMs: 20, versionPollMs: 0 });
  });
});
