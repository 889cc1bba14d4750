// readRouteAudit against the real MariaDB: the rows changeRoutes wrote,
// newest first, overall and per route, a page at a time.
import type { PoolConnection, RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ipToInt } from '@lars/proto';
import { ErrorCode } from '@lars/wire';
import { changeRoutes, readRouteAudit, type RouteAuditEntry, type RouteEdit } from '../src/index.js';
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

const host = (s: string) => ({ ip: ipToInt(s.split(':')[0]), port: Number(s.split(':')[1]) });
const edit = (op: 'add' | 'del' | 'disable' | 'enable', modid: number, cmdid: number, h: string): RouteEdit => ({
  op,
  modid,
  cmdid,
  ...host(h),
});
/** The database's clock, as readRouteAudit reports `at`. */
async function dbNowMs(): Promise<number> {
  const [[r]] = await db.admin.query<RowDataPacket[]>(
    "SELECT TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', UTC_TIMESTAMP(3)) DIV 1000 AS ms",
  );
  return Number(r.ms);
}

describe('readRouteAudit', () => {
  let entries: RouteAuditEntry[];
  let versions: number[];
  let window: [number, number];
  beforeAll(async () => {
    const start = await dbNowMs();
    const alice = { user: 'alice', source: '10.1.2.3' };
    const ops = { user: 'ops', source: 'cli ops@build-1' };
    versions = [];
    versions.push(
      (await changeRoutes(conn, [edit('add', 1, 1, '10.0.0.1:80'), edit('add', 1, 2, '10.0.0.2:80')], alice)).version,
    );
    versions.push((await changeRoutes(conn, [edit('disable', 1, 1, '10.0.0.1:80')], ops)).version);
    versions.push((await changeRoutes(conn, [edit('add', 2, 1, '192.168.1.177:7777')], ops)).version);
    versions.push(
      (await changeRoutes(conn, [edit('enable', 1, 1, '10.0.0.1:80'), edit('del', 1, 2, '10.0.0.2:80')], alice))
        .version,
    );
    window = [start, await dbNowMs()];
    entries = await readRouteAudit(conn, { limit: 100 });
  });

  it('returns every entry newest first, with who, from where, the host lists and the version', () => {
    const [v1, v2, v3, v4] = versions;
    const none = { added: [], removed: [], disabled: [], enabled: [] };
    expect(entries.map(({ id: _id, at: _at, ...rest }) => rest)).toEqual([
      { actor: 'alice', source: '10.1.2.3', modid: 1, cmdid: 2, ...none, removed: [host('10.0.0.2:80')], version: v4 },
      { actor: 'alice', source: '10.1.2.3', modid: 1, cmdid: 1, ...none, enabled: [host('10.0.0.1:80')], version: v4 },
      {
        actor: 'ops',
        source: 'cli ops@build-1',
        modid: 2,
        cmdid: 1,
        ...none,
        added: [host('192.168.1.177:7777')],
        version: v3,
      },
      {
        actor: 'ops',
        source: 'cli ops@build-1',
        modid: 1,
        cmdid: 1,
        ...none,
        disabled: [host('10.0.0.1:80')],
        version: v2,
      },
      { actor: 'alice', source: '10.1.2.3', modid: 1, cmdid: 2, ...none, added: [host('10.0.0.2:80')], version: v1 },
      { actor: 'alice', source: '10.1.2.3', modid: 1, cmdid: 1, ...none, added: [host('10.0.0.1:80')], version: v1 },
    ]);
    const ids = entries.map((e) => e.id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    // `at` is the database's UTC clock at commit, in ms: inside the window the test read from that clock.
    for (const e of entries) {
      expect(e.at).toBeGreaterThanOrEqual(window[0]);
      expect(e.at).toBeLessThanOrEqual(window[1]);
    }
  });

  it('filters by modid or by route, and pages with before', async () => {
    const ids = entries.map((e) => e.id);
    expect((await readRouteAudit(conn, { modid: 1, limit: 100 })).map((e) => e.id)).toEqual(
      entries.filter((e) => e.modid === 1).map((e) => e.id),
    );
    expect((await readRouteAudit(conn, { modid: 1, cmdid: 1, limit: 100 })).map((e) => e.id)).toEqual(
      entries.filter((e) => e.modid === 1 && e.cmdid === 1).map((e) => e.id),
    );
    const page1 = await readRouteAudit(conn, { limit: 4 });
    const page2 = await readRouteAudit(conn, { limit: 4, before: page1.at(-1)!.id });
    expect([...page1, ...page2].map((e) => e.id)).toEqual(ids);
    expect(page2).toHaveLength(2);
    expect(await readRouteAudit(conn, { limit: 4, before: ids.at(-1)! })).toEqual([]);
    expect(await readRouteAudit(conn, { modid: 99, limit: 10 })).toEqual([]);
  });

  it('rejects bad options naming them', async () => {
    const bad: Array<[Parameters<typeof readRouteAudit>[1], string]> = [
      [{ limit: 0 }, 'limit'],
      [{ limit: 1001 }, 'limit'],
      [{ limit: 1.5 }, 'limit'],
      [{ cmdid: 1, limit: 10 }, 'cmdid'],
      [{ modid: 2 ** 31, limit: 10 }, 'modid'],
      [{ limit: 10, before: 0 }, 'before'],
    ];
    for (const [options, field] of bad)
      await expect(readRouteAudit(conn, options)).rejects.toMatchObject({
        code: ErrorCode.BAD_OPTION,
        message: expect.stringContaining(`invalid option ${field}:`),
      });
  });

  it('names a row whose host list is not one', async () => {
    const [r] = await db.admin.query<RowDataPacket[]>('SELECT MAX(id) AS id FROM RouteAudit');
    await db.admin.query('UPDATE RouteAudit SET hosts_added = \'["300.1.1.1:80"]\' WHERE id = ?', [r[0].id]);
    await expect(readRouteAudit(conn, { limit: 1 })).rejects.toMatchObject({
      code: ErrorCode.BAD_CONFIG,
      message: `RouteAudit row ${r[0].id}: hosts_added is not a list of "ip:port"`,
    });
  });
});
