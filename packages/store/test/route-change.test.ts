import type { PoolConnection, RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ipToInt } from '@lars/proto';
import { changeRoutes, describeRouteEdit, validateRouteEdit, type RouteEdit } from '../src/index.js';
import { createTestDatabase, type TestDatabase } from '../../../test-support/db.js';

let db: TestDatabase;
let conn: PoolConnection;
beforeAll(async () => {
  db = await createTestDatabase();
  conn = await db.admin.getConnection();
});
afterAll(async () => {
  conn.release();
  await db.drop();
});

async function rows<T>(sql: string): Promise<T[]> {
  const [r] = await db.admin.query<RowDataPacket[]>(sql);
  return r as T[];
}
const version = async () =>
  (await rows<{ version: number }>('SELECT version FROM RouteVersion WHERE id = 1'))[0].version;
const add = (modid: number, ip: string, port: number): RouteEdit => ({
  op: 'add',
  modid,
  cmdid: 1,
  ip: ipToInt(ip),
  port,
});

describe('changeRoutes', () => {
  it('edits RouteData, bumps the version past now and records one RouteChange per changed key, in one transaction', async () => {
    const before = await version();
    const result = await changeRoutes(conn, [
      add(1, '192.168.1.177', 7777),
      add(1, '10.0.0.1', 80),
      add(2, '10.0.0.2', 80),
    ]);
    expect(result.changed).toBe(true);
    expect(result.results.map((r) => r.rows)).toEqual([1, 1, 1]);
    expect(result.version).toBeGreaterThan(before);
    expect(result.version).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000) - 5);
    expect(await version()).toBe(result.version);
    expect(await rows('SELECT modid, cmdid, version FROM RouteChange ORDER BY modid')).toEqual([
      { modid: 1, cmdid: 1, version: result.version },
      { modid: 2, cmdid: 1, version: result.version },
    ]);
    expect(await rows('SELECT serverip FROM RouteData WHERE modid = 1 ORDER BY serverip')).toEqual([
      { serverip: 167772161 },
      { serverip: 3232235953 },
    ]);
  });

  it('gives two changes in the same second different versions', async () => {
    const a = await changeRoutes(conn, [add(3, '10.0.0.3', 1)]);
    const b = await changeRoutes(conn, [add(3, '10.0.0.4', 1)]);
    expect(b.version).toBeGreaterThan(a.version);
  });

  it('adding a host that is there is a no-op: no version bump, no RouteChange row', async () => {
    await changeRoutes(conn, [add(4, '10.0.0.5', 1)]);
    const v = await version();
    const changes = (await rows('SELECT id FROM RouteChange')).length;
    const result = await changeRoutes(conn, [add(4, '10.0.0.5', 1)]);
    expect(result).toMatchObject({ changed: false, version: v });
    expect(result.results[0].rows).toBe(0);
    expect(await version()).toBe(v);
    expect((await rows('SELECT id FROM RouteChange')).length).toBe(changes);
  });

  it('deletes one host, or a whole route', async () => {
    await changeRoutes(conn, [add(5, '10.0.5.1', 1), add(5, '10.0.5.2', 2), add(5, '10.0.5.3', 3)]);
    const one = await changeRoutes(conn, [{ op: 'del', modid: 5, cmdid: 1, ip: ipToInt('10.0.5.1'), port: 1 }]);
    expect(one.results[0].rows).toBe(1);
    const all = await changeRoutes(conn, [{ op: 'del-route', modid: 5, cmdid: 1 }]);
    expect(all.results[0].rows).toBe(2);
    expect(await rows('SELECT id FROM RouteData WHERE modid = 5')).toEqual([]);
  });

  it('rejects invalid input before writing anything', async () => {
    const v = await version();
    const count = (await rows('SELECT id FROM RouteData')).length;
    const bad: RouteEdit[] = [
      { op: 'add', modid: 1.5, cmdid: 1, ip: 1, port: 1 },
      { op: 'add', modid: 1, cmdid: 2 ** 31, ip: 1, port: 1 },
      { op: 'add', modid: 1, cmdid: 1, ip: -1, port: 1 },
      { op: 'add', modid: 1, cmdid: 1, ip: 2 ** 32, port: 1 },
      { op: 'add', modid: 1, cmdid: 1, ip: 1, port: 0 },
      { op: 'del', modid: 1, cmdid: 1, ip: 1, port: 65536 },
    ];
    for (const edit of bad) {
      // A valid edit first: the bad one must stop the whole change before anything is written.
      await expect(changeRoutes(conn, [add(6, '10.0.6.1', 1), edit])).rejects.toMatchObject({
        code: 'LARS_BAD_OPTION',
      });
      expect(() => validateRouteEdit(edit)).toThrow(/invalid route edit/);
    }
    expect(await version()).toBe(v);
    expect((await rows('SELECT id FROM RouteData')).length).toBe(count);
    expect(describeRouteEdit(add(1, '192.168.1.177', 7777))).toBe('add 1/1 192.168.1.177:7777');
  });
});
