import type { PoolConnection, RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ipToInt } from '@lars/proto';
import {
  changeRoutes,
  describeRouteEdit,
  MAX_REPLACE_HOSTS,
  RouteEditNoop,
  validateRouteEdit,
  type RouteEdit,
} from '../src/index.js';
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

/** A route's RouteData rows, as "ip:port" plus " off" when disabled, in host order. */
async function hostsOf(modid: number, cmdid = 1): Promise<string[]> {
  const r = await rows<{ h: string }>(
    `SELECT CONCAT(INET_NTOA(serverip), ':', serverport, IF(disabled <> 0, ' off', '')) AS h FROM RouteData
     WHERE modid = ${modid} AND cmdid = ${cmdid} ORDER BY serverip, serverport`,
  );
  return r.map((x) => x.h);
}
const hostEdit = (op: 'add' | 'del' | 'disable' | 'enable', modid: number, host: string): RouteEdit => {
  const [ip, port] = host.split(':');
  return { op, modid, cmdid: 1, ip: ipToInt(ip), port: Number(port) };
};
const replace = (modid: number, hosts: string[]): RouteEdit => ({
  op: 'replace',
  modid,
  cmdid: 1,
  hosts: hosts.map((h) => ({ ip: ipToInt(h.split(':')[0]), port: Number(h.split(':')[1]) })),
});
const h = (host: string) => ({ ip: ipToInt(host.split(':')[0]), port: Number(host.split(':')[1]) });
const ACTOR = { user: 'alice', source: 'cli alice@build-1' };
/** RouteChange and RouteAudit row counts, and the version: what a no-op must leave as it is. */
async function counters(): Promise<{ version: number; changes: number; audits: number }> {
  const [[c], [a]] = await Promise.all([
    rows<{ n: number }>('SELECT COUNT(*) AS n FROM RouteChange'),
    rows<{ n: number }>('SELECT COUNT(*) AS n FROM RouteAudit'),
  ]);
  return { version: await version(), changes: c.n, audits: a.n };
}
const auditsOf = (modid: number) =>
  rows(
    `SELECT actor, source, modid, cmdid, hosts_added, hosts_removed, hosts_disabled, hosts_enabled, version
     FROM RouteAudit WHERE modid = ${modid} ORDER BY id`,
  );
const audit = (
  modid: number,
  version: number,
  lists: Partial<Record<'added' | 'removed' | 'disabled' | 'enabled', string[]>>,
) => ({
  actor: ACTOR.user,
  source: ACTOR.source,
  modid,
  cmdid: 1,
  hosts_added: JSON.stringify(lists.added ?? []),
  hosts_removed: JSON.stringify(lists.removed ?? []),
  hosts_disabled: JSON.stringify(lists.disabled ?? []),
  hosts_enabled: JSON.stringify(lists.enabled ?? []),
  version,
});

describe('changeRoutes: disable and enable', () => {
  it('flips the flag, bumps the version, records one RouteChange and one RouteAudit row per change', async () => {
    await changeRoutes(conn, [hostEdit('add', 10, '10.10.0.1:1'), hostEdit('add', 10, '10.10.0.2:2')]);
    const before = await counters();
    const off = await changeRoutes(conn, [hostEdit('disable', 10, '10.10.0.2:2')], ACTOR);
    expect(off).toMatchObject({ changed: true, results: [{ rows: 1, changes: { disabled: [h('10.10.0.2:2')] } }] });
    expect(off.version).toBeGreaterThan(before.version);
    expect(await hostsOf(10)).toEqual(['10.10.0.1:1', '10.10.0.2:2 off']);
    expect(await rows(`SELECT modid, cmdid, version FROM RouteChange WHERE version = ${off.version}`)).toEqual([
      { modid: 10, cmdid: 1, version: off.version },
    ]);

    const on = await changeRoutes(conn, [hostEdit('enable', 10, '10.10.0.2:2')], ACTOR);
    expect(on.version).toBeGreaterThan(off.version);
    expect(await hostsOf(10)).toEqual(['10.10.0.1:1', '10.10.0.2:2']);
    expect(await counters()).toEqual({ version: on.version, changes: before.changes + 2, audits: before.audits + 2 });
    expect(await auditsOf(10)).toEqual([
      audit(10, off.version, { disabled: ['10.10.0.2:2'] }),
      audit(10, on.version, { enabled: ['10.10.0.2:2'] }),
    ]);
  });

  it('disabling a disabled host, enabling an enabled one or touching a missing one is a no-op: no bump, no rows', async () => {
    await changeRoutes(conn, [hostEdit('add', 11, '10.11.0.1:1'), hostEdit('add', 11, '10.11.0.2:2')]);
    await changeRoutes(conn, [hostEdit('disable', 11, '10.11.0.2:2')], ACTOR);
    const before = await counters();
    const result = await changeRoutes(
      conn,
      [
        hostEdit('disable', 11, '10.11.0.2:2'),
        hostEdit('enable', 11, '10.11.0.1:1'),
        hostEdit('disable', 11, '10.11.0.9:9'),
        hostEdit('enable', 11, '10.11.0.9:9'),
        hostEdit('add', 11, '10.11.0.2:2'),
      ],
      ACTOR,
    );
    expect(result.changed).toBe(false);
    expect(result.version).toBe(before.version);
    expect(result.results.map((r) => [r.rows, r.noop])).toEqual([
      [0, RouteEditNoop.ALREADY_DISABLED],
      [0, RouteEditNoop.ALREADY_ENABLED],
      [0, RouteEditNoop.ABSENT],
      [0, RouteEditNoop.ABSENT],
      [0, RouteEditNoop.PRESENT],
    ]);
    expect(await counters()).toEqual(before);
    expect(await hostsOf(11)).toEqual(['10.11.0.1:1', '10.11.0.2:2 off']);
  });

  it('deleting a disabled host deletes it; adding it back adds it enabled', async () => {
    await changeRoutes(conn, [hostEdit('add', 12, '10.12.0.1:1'), hostEdit('disable', 12, '10.12.0.1:1')]);
    await changeRoutes(conn, [hostEdit('del', 12, '10.12.0.1:1')]);
    expect(await hostsOf(12)).toEqual([]);
    await changeRoutes(conn, [hostEdit('add', 12, '10.12.0.1:1')]);
    expect(await hostsOf(12)).toEqual(['10.12.0.1:1']);
  });
});

describe('changeRoutes: replace', () => {
  it("makes the route's hosts exactly the given ones; kept hosts keep their flag; one audit row", async () => {
    await changeRoutes(conn, [
      hostEdit('add', 20, '10.20.0.1:1'),
      hostEdit('add', 20, '10.20.0.2:2'),
      hostEdit('add', 20, '10.20.0.3:3'),
      hostEdit('disable', 20, '10.20.0.2:2'),
    ]);
    const before = await counters();
    const result = await changeRoutes(conn, [replace(20, ['10.20.0.4:4', '10.20.0.2:2', '10.20.0.3:3'])], ACTOR);
    expect(result).toMatchObject({
      changed: true,
      results: [
        { rows: 2, changes: { added: [h('10.20.0.4:4')], removed: [h('10.20.0.1:1')], disabled: [], enabled: [] } },
      ],
    });
    expect(await hostsOf(20)).toEqual(['10.20.0.2:2 off', '10.20.0.3:3', '10.20.0.4:4']);
    expect(await counters()).toEqual({
      version: result.version,
      changes: before.changes + 1,
      audits: before.audits + 1,
    });
    expect(await auditsOf(20)).toEqual([
      audit(20, result.version, { added: ['10.20.0.4:4'], removed: ['10.20.0.1:1'] }),
    ]);
  });

  it('the same set is a no-op; an empty set deletes the route', async () => {
    await changeRoutes(conn, [hostEdit('add', 21, '10.21.0.1:1'), hostEdit('add', 21, '10.21.0.2:2')]);
    const before = await counters();
    const same = await changeRoutes(conn, [replace(21, ['10.21.0.2:2', '10.21.0.1:1'])], ACTOR);
    expect(same).toMatchObject({
      changed: false,
      version: before.version,
      results: [{ rows: 0, noop: RouteEditNoop.SAME_HOSTS }],
    });
    expect(await counters()).toEqual(before);
    const gone = await changeRoutes(conn, [replace(21, [])], ACTOR);
    expect(gone.results[0].rows).toBe(2);
    expect(await hostsOf(21)).toEqual([]);
    expect(await auditsOf(21)).toEqual([audit(21, gone.version, { removed: ['10.21.0.1:1', '10.21.0.2:2'] })]);
  });

  it('replaces a route of thousands of hosts in one change (statements in chunks)', async () => {
    const first = Array.from({ length: 2500 }, (_, i) => `10.22.${i >> 8}.${i & 255}:1`);
    await changeRoutes(conn, [replace(22, first)]);
    const second = Array.from({ length: 2500 }, (_, i) => `10.22.${(i + 1000) >> 8}.${(i + 1000) & 255}:1`);
    const result = await changeRoutes(conn, [replace(22, second)], ACTOR);
    expect(result.results[0].changes.added).toHaveLength(1000);
    expect(result.results[0].changes.removed).toHaveLength(1000);
    expect((await hostsOf(22)).length).toBe(2500);
    const [a] = await auditsOf(22);
    expect(JSON.parse(String((a as { hosts_added: string }).hosts_added))).toHaveLength(1000);
  });
});

describe('changeRoutes: the audit', () => {
  it('writes one row per changed route of a change, all with its version; none for a no-op edit or without an actor', async () => {
    await changeRoutes(conn, [hostEdit('add', 30, '10.30.0.1:1')]);
    expect(await auditsOf(30)).toEqual([]);
    const result = await changeRoutes(
      conn,
      [
        hostEdit('add', 31, '10.31.0.1:1'),
        hostEdit('del', 30, '10.30.0.1:1'),
        hostEdit('add', 31, '10.31.0.2:2'),
        hostEdit('disable', 31, '10.31.0.1:1'),
        hostEdit('add', 32, '10.32.0.1:1'),
        hostEdit('del', 32, '10.32.0.1:1'),
        hostEdit('del', 33, '10.33.0.1:1'),
      ],
      ACTOR,
    );
    expect(await auditsOf(30)).toEqual([audit(30, result.version, { removed: ['10.30.0.1:1'] })]);
    expect(await auditsOf(31)).toEqual([
      audit(31, result.version, { added: ['10.31.0.1:1', '10.31.0.2:2'], disabled: ['10.31.0.1:1'] }),
    ]);
    // Added and removed again within one change: both steps are history.
    expect(await auditsOf(32)).toEqual([
      audit(32, result.version, { added: ['10.32.0.1:1'], removed: ['10.32.0.1:1'] }),
    ]);
    expect(await auditsOf(33)).toEqual([]);
    expect(await rows(`SELECT modid FROM RouteChange WHERE version = ${result.version} ORDER BY modid`)).toEqual([
      { modid: 30 },
      { modid: 31 },
      { modid: 32 },
    ]);
  });

  it('a whole-route delete lists every host it removed', async () => {
    await changeRoutes(conn, [hostEdit('add', 34, '10.34.0.2:2'), hostEdit('add', 34, '10.34.0.1:1')]);
    const result = await changeRoutes(conn, [{ op: 'del-route', modid: 34, cmdid: 1 }], ACTOR);
    expect(await auditsOf(34)).toEqual([audit(34, result.version, { removed: ['10.34.0.1:1', '10.34.0.2:2'] })]);
    expect((await changeRoutes(conn, [{ op: 'del-route', modid: 34, cmdid: 1 }], ACTOR)).results[0].noop).toBe(
      RouteEditNoop.ABSENT,
    );
  });

  it('rolls back with the change: a failure after the audit row, or of the audit row itself, leaves nothing', async () => {
    await changeRoutes(conn, [hostEdit('add', 35, '10.35.0.1:1')]);
    const before = await counters();
    const routeData = await rows('SELECT * FROM RouteData ORDER BY id');
    // RouteChange is written after RouteAudit: refusing it fails the change once its audit row is in.
    await db.admin.query('ALTER TABLE RouteChange ADD CONSTRAINT test_refuse_36 CHECK (modid <> 36)');
    try {
      await expect(
        changeRoutes(conn, [hostEdit('disable', 35, '10.35.0.1:1'), hostEdit('add', 36, '10.36.0.1:1')], ACTOR),
      ).rejects.toMatchObject({ errno: 4025 });
    } finally {
      await db.admin.query('ALTER TABLE RouteChange DROP CONSTRAINT test_refuse_36');
    }
    await db.admin.query("ALTER TABLE RouteAudit ADD CONSTRAINT test_refuse_source CHECK (source <> 'refused')");
    try {
      await expect(
        changeRoutes(conn, [hostEdit('disable', 35, '10.35.0.1:1')], { user: 'bob', source: 'refused' }),
      ).rejects.toMatchObject({ errno: 4025 });
    } finally {
      await db.admin.query('ALTER TABLE RouteAudit DROP CONSTRAINT test_refuse_source');
    }
    expect(await counters()).toEqual(before);
    expect(await rows('SELECT * FROM RouteData ORDER BY id')).toEqual(routeData);
  });

  it('validates the actor and every edit before writing anything, naming the field', async () => {
    const before = await counters();
    const cases: Array<[RouteEdit, { user: string; source: string } | undefined, RegExp]> = [
      [hostEdit('add', 37, '10.37.0.1:1'), { user: '', source: 'x' }, /actor: user must be 1\.\.255 characters/],
      [hostEdit('add', 37, '10.37.0.1:1'), { user: 'a'.repeat(256), source: 'x' }, /actor: user must be/],
      [hostEdit('add', 37, '10.37.0.1:1'), { user: 'a', source: 'x\ny' }, /actor: source must be 1\.\.512 characters/],
      [hostEdit('add', 37, '10.37.0.1:1'), { user: 'a', source: 's'.repeat(513) }, /actor: source must be/],
      [{ op: 'disable', modid: 37, cmdid: 1, ip: 1, port: 70000 }, ACTOR, /route edit: port 70000 is not 1\.\.65535/],
      [{ op: 'enable', modid: 37, cmdid: 1, ip: 2 ** 32, port: 1 }, ACTOR, /route edit: ip 4294967296 is not an IPv4/],
      [{ ...replace(37, ['10.0.0.1:1']), modid: 1.5 }, ACTOR, /route edit: modid 1\.5 is not a 32-bit integer/],
      [replace(37, ['10.0.0.1:1', '10.0.0.2:0']), ACTOR, /route edit: hosts\[1\]\.port 0 is not 1\.\.65535/],
      [replace(37, ['10.0.0.1:1', '10.0.0.2:2', '10.0.0.1:1']), ACTOR, /hosts\[2\] 10\.0\.0\.1:1 is listed twice/],
      [
        replace(
          37,
          Array.from({ length: MAX_REPLACE_HOSTS + 1 }, (_, i) => `10.37.${i >> 8}.${i & 255}:1`),
        ),
        ACTOR,
        /hosts has 10001 entries, at most 10000/,
      ],
      [{ op: 'move', modid: 37, cmdid: 1 } as unknown as RouteEdit, ACTOR, /op "move" is not add, del, disable/],
    ];
    for (const [edit, actor, message] of cases) {
      await expect(changeRoutes(conn, [hostEdit('add', 37, '10.37.0.9:9'), edit], actor)).rejects.toMatchObject({
        code: 'LARS_BAD_OPTION',
        message: expect.stringMatching(message),
      });
    }
    expect(await counters()).toEqual(before);
    expect(await hostsOf(37)).toEqual([]);
    expect(describeRouteEdit(hostEdit('disable', 1, '10.0.0.1:80'))).toBe('disable 1/1 10.0.0.1:80');
    expect(describeRouteEdit(replace(1, ['10.0.0.1:80', '10.0.0.2:80']))).toBe('replace 1/1 (2 hosts)');
  });
});

describe('changeRoutes options', () => {
  it('dryRun reports what the edits would do, as a real change does, and writes nothing', async () => {
    await changeRoutes(conn, [hostEdit('add', 38, '10.38.0.1:1'), hostEdit('add', 38, '10.38.0.2:1')], ACTOR);
    const before = await counters();
    const edits = [
      hostEdit('disable', 38, '10.38.0.1:1'),
      hostEdit('del', 38, '10.38.0.2:1'),
      hostEdit('add', 38, '10.38.0.3:1'),
      hostEdit('add', 38, '10.38.0.3:1'),
    ];
    const dry = await changeRoutes(conn, edits, ACTOR, { dryRun: true });
    expect(dry).toMatchObject({ version: before.version, changed: true });
    expect(dry.results.map((r) => r.rows)).toEqual([1, 1, 1, 0]);
    expect(await counters()).toEqual(before);
    expect(await hostsOf(38)).toEqual(['10.38.0.1:1', '10.38.0.2:1']);
    const real = await changeRoutes(conn, edits, ACTOR);
    expect(real.results.map((r) => [r.rows, r.changes])).toEqual(dry.results.map((r) => [r.rows, r.changes]));
    expect(await hostsOf(38)).toEqual(['10.38.0.1:1 off', '10.38.0.3:1']);
  });

  it('a precondition runs under the RouteVersion lock, sees the rows as they are, and refuses by throwing', async () => {
    const before = await counters();
    const seen: string[][] = [];
    const refusal = new Error('the route changed');
    await expect(
      changeRoutes(conn, [hostEdit('del', 38, '10.38.0.3:1')], ACTOR, {
        precondition: async (c) => {
          const [r] = await c.query<RowDataPacket[]>(
            'SELECT INET_NTOA(serverip) AS ip FROM RouteData WHERE modid = 38 ORDER BY serverip',
          );
          seen.push(r.map((x) => String(x.ip)));
          throw refusal;
        },
      }),
    ).rejects.toBe(refusal);
    expect(seen).toEqual([['10.38.0.1', '10.38.0.3']]);
    expect(await counters()).toEqual(before);
    expect(await hostsOf(38)).toEqual(['10.38.0.1:1 off', '10.38.0.3:1']);
  });
});
