// Draining a host (RouteData.disabled, migration 0002) through a real DNS:
// a disabled host leaves the DNS's answer and is pushed to subscribed
// connections exactly like a deleted one, and comes back when enabled. A
// RouteData without the column (a database not yet migrated, which the DNS
// still starts on) is served whole, with a warning, until it is migrated.
import { fileURLToPath } from 'node:url';
import type { PoolConnection } from 'mysql2/promise';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ipToInt } from '@lars/proto';
import { changeRoutes, migrateDatabase, type RouteEdit } from '@lars/store';
import { DnsServer } from '../src/index.js';
import { adminSettings, createTestDatabase, runSqlFile, type TestDatabase } from '../../../test-support/db.js';
import { captureLogs, LEVEL, type LogCapture } from '../../../test-support/log-capture.js';
import { until } from '../../../test-support/wait.js';
import { RouteClient } from './route-client.js';

const ORIGINAL_SCHEMA = fileURLToPath(new URL('../../store/test/fixtures/original-schema.sql', import.meta.url));
const NO_COLUMN = { msg: expect.stringContaining('RouteData has no disabled column') };

let db: TestDatabase;
let admin: PoolConnection;
const open: Array<{ close(): Promise<void> }> = [];
beforeAll(async () => {
  db = await createTestDatabase();
  admin = await db.admin.getConnection();
});
afterAll(async () => {
  admin.release();
  await db.drop();
});
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

async function startDns(on: TestDatabase, logs?: LogCapture): Promise<{ dns: DnsServer; c: RouteClient }> {
  const dns = new DnsServer({
    port: 0,
    checkIntervalMs: 50,
    reloadIntervalMs: 60_000,
    mysql: { host: on.host, port: on.port, user: on.user, password: on.password, database: on.name },
    logger: logs?.logger,
  });
  open.push(dns);
  const { port } = await dns.start();
  const c = await RouteClient.connect(port);
  open.push(c);
  return { dns, c };
}

const edit = (op: 'add' | 'del' | 'disable' | 'enable', modid: number, host: string): RouteEdit => {
  const [ip, port] = host.split(':');
  return { op, modid, cmdid: 1, ip: ipToInt(ip), port: Number(port) };
};
const ACTOR = { user: 'test', source: 'dns-route-disable.test.ts' };

describe('a disabled host', () => {
  it('leaves the answer and is pushed like a deleted one, and comes back when enabled', async () => {
    const [a, b, c3] = ['10.8.0.1:1', '10.8.0.2:2', '10.8.0.3:3'];
    // 802/1 gets the same hosts and has b deleted: the push the drain must equal.
    await changeRoutes(
      admin,
      [a, b, c3].flatMap((h) => [edit('add', 801, h), edit('add', 802, h)]),
      ACTOR,
    );
    const { dns, c } = await startDns(db);
    expect((await c.ask(801, 1)).hosts).toEqual([a, b, c3]);
    expect((await c.ask(802, 1)).hosts).toEqual([a, b, c3]);
    expect(dns.stats()).toMatchObject({ tableRoutes: 2, tableHosts: 6 });

    const drained = c.next(801, 1);
    const deleted = c.next(802, 1);
    await changeRoutes(admin, [edit('disable', 801, b), edit('del', 802, b)], ACTOR);
    expect((await drained).hosts).toEqual([a, c3]);
    expect((await deleted).hosts).toEqual((await drained).hosts);
    expect((await c.ask(801, 1)).hosts).toEqual([a, c3]);
    expect(dns.stats()).toMatchObject({ tableRoutes: 2, tableHosts: 4 });

    const back = c.next(801, 1);
    await changeRoutes(admin, [edit('enable', 801, b)], ACTOR);
    expect((await back).hosts).toEqual([a, b, c3]);

    // Every host disabled: the route is gone from the table, pushed as an empty list, as a deleted route is.
    const none = c.next(801, 1);
    await changeRoutes(admin, [edit('disable', 801, a), edit('disable', 801, b), edit('disable', 801, c3)], ACTOR);
    expect((await none).hosts).toEqual([]);
    expect(dns.stats()).toMatchObject({ tableRoutes: 1, tableHosts: 2 });
    const one = c.next(801, 1);
    await changeRoutes(admin, [edit('enable', 801, c3)], ACTOR);
    expect((await one).hosts).toEqual([c3]);

    // Exactly one push per change, after each reply.
    expect(c.answersFor(801, 1).map((x) => x.hosts)).toEqual([[a, b, c3], [a, c3], [a, c3], [a, b, c3], [], [c3]]);
    expect(c.answersFor(802, 1).map((x) => x.hosts)).toEqual([
      [a, b, c3],
      [a, c3],
    ]);
  });
});

describe('a RouteData without the disabled column', () => {
  let original: TestDatabase;
  beforeAll(async () => {
    original = await createTestDatabase({ migrate: false });
    await runSqlFile(original, original.name, ORIGINAL_SCHEMA);
  });
  afterAll(() => original.drop());

  it('is served whole with one warning, and honours the flag once migrated while the DNS runs', async () => {
    const logs = captureLogs({ level: 'info' });
    const { dns, c } = await startDns(original, logs);
    // The original fixture's 3/2: 255.255.255.255:1 and 127.0.0.1:9001.
    expect((await c.ask(3, 2)).hosts).toEqual(['127.0.0.1:9001', '255.255.255.255:1']);
    await until(() => logs.matching({ level: LEVEL.warn }).some((l) => String(l.msg).includes('disabled column')));
    expect(logs.lines.filter((l) => String(l.msg).includes('disabled column'))).toEqual([
      expect.objectContaining({ ...NO_COLUMN, level: LEVEL.warn, component: 'route-loader-worker', suppressed: 0 }),
    ]);

    await migrateDatabase(adminSettings(original, original.name));
    const loads = dns.stats().loads as number;
    const drained = c.next(3, 2);
    const conn = await original.admin.getConnection();
    try {
      await changeRoutes(conn, [{ op: 'disable', modid: 3, cmdid: 2, ip: ipToInt('255.255.255.255'), port: 1 }]);
    } finally {
      conn.release();
    }
    expect((await drained).hosts).toEqual(['127.0.0.1:9001']);
    expect(dns.stats().loads as number).toBeGreaterThan(loads);
    // No further warning from the loads after the migration.
    expect(logs.lines.filter((l) => String(l.msg).includes('disabled column'))).toHaveLength(1);
  });
});
