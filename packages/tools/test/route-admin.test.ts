import { hostname, userInfo } from 'node:os';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LarsClient, RetCode } from '@lars/client';
import { runRouteAdmin } from '../src/index.js';
import { Capture, REPO_ROOT, runProcess } from './tool-harness.js';
import { LarsSystem, waitForRoute } from './system-harness.js';
import { createTestDatabase, runSqlFile } from '../../../test-support/db.js';

const sys = new LarsSystem();
let env: Record<string, string>;
beforeAll(async () => {
  await sys.start({ loadBalance: { updateTimeoutMs: 3_600_000 } });
  // conf/lars_dns.conf as shipped, pointed at this file's database by the daemons' own overrides.
  env = {
    LARS_MYSQL_DB_HOST: sys.db.host,
    LARS_MYSQL_DB_PORT: String(sys.db.port),
    LARS_MYSQL_DB_USER: sys.db.user,
    LARS_MYSQL_DB_PASSWD: sys.db.password,
    LARS_MYSQL_DB_NAME: sys.db.name,
  };
});
afterAll(() => sys.stop());

async function route(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  return routeOn(env, ...argv);
}

async function routeOn(on: Record<string, string>, ...argv: string[]) {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await runRouteAdmin([...argv, '--conf', `${REPO_ROOT}conf/lars_dns.conf`], { stdout, stderr, env: on });
  return { code, out: stdout.text, err: stderr.text };
}

async function snapshot(): Promise<{ rows: unknown[]; version: number; changes: number }> {
  const [rows] = await sys.db.admin.query<RowDataPacket[]>(
    'SELECT modid, cmdid, serverip, serverport FROM RouteData ORDER BY id',
  );
  const [[v]] = await sys.db.admin.query<RowDataPacket[]>('SELECT version FROM RouteVersion WHERE id = 1');
  const [[c]] = await sys.db.admin.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM RouteChange');
  return { rows, version: v.version, changes: c.n };
}

describe('route administration', () => {
  it('adds a host, says so when it is there already, lists, deletes a host and a whole route', async () => {
    expect(await route('add', '7', '1', '192.168.1.177', '7777')).toMatchObject({
      code: 0,
      out: expect.stringMatching(/^add 7\/1 192\.168\.1\.177:7777: done, route version \d+\n$/),
    });
    expect(await route('add', '7', '1', '10.0.0.2', '80')).toMatchObject({ code: 0 });
    expect(await route('add', '7', '1', '10.0.0.2', '80')).toMatchObject({
      code: 0,
      out: 'add 7/1 10.0.0.2:80: nothing changed (that host is already in the route)\n',
    });
    const listed = await route('list', '7');
    expect(listed.out).toMatch(/2 hosts\n/);
    expect(listed.out).toContain('modid = 7, cmdid = 1, ip = 10.0.0.2, port = 80\n');
    expect(listed.out).toContain('modid = 7, cmdid = 1, ip = 192.168.1.177, port = 7777\n');
    expect(await route('del', '7', '1', '10.0.0.2', '80')).toMatchObject({
      code: 0,
      out: expect.stringContaining('del 7/1 10.0.0.2:80: done'),
    });
    expect(await route('del', '7', '1', '10.0.0.2', '80')).toMatchObject({
      code: 0,
      out: expect.stringContaining('nothing changed (that host is not in the route)'),
    });
    expect(await route('del', '7', '1')).toMatchObject({
      code: 0,
      out: expect.stringContaining('del 7/1 (whole route) (1 host): done'),
    });
    expect((await route('list', '7')).out).toBe(`route version ${(await snapshot()).version}, 0 hosts\n`);
  });

  it('a change reaches a running agent by push', async () => {
    const client = new LarsClient({ basePort: sys.basePort });
    try {
      expect((await client.getRoute(8, 1)).ret).toBe(RetCode.NOEXIST);
      expect((await route('add', '8', '1', '10.8.0.1', '8001')).code).toBe(0);
      await waitForRoute(sys, 8, 1, 1);
      expect((await route('add', '8', '1', '10.8.0.2', '8002')).code).toBe(0);
      await waitForRoute(sys, 8, 1, 2);
      expect((await route('del', '8', '1', '10.8.0.1', '8001')).code).toBe(0);
      await waitForRoute(sys, 8, 1, 1);
      const route81 = await client.getRoute(8, 1);
      expect(route81).toMatchObject({ ret: RetCode.SUCC, hosts: [{ ip: '10.8.0.2', port: 8002 }] });
    } finally {
      await client.close();
    }
  });

  it('rejects invalid input with a message naming it, and writes nothing', async () => {
    await route('add', '9', '1', '10.9.0.1', '1');
    const before = await snapshot();
    const bad: Array<[string[], RegExp]> = [
      [['disable', '9', '1', '10.9.0.1'], /route disable needs ModID CmdID IP Port/],
      [['enable', '9', '1', '10.9.0.1', '1', '2'], /unexpected argument "2"/],
      [['disable', '9', '1', '10.9.0.300', '1'], /IP must be an IPv4 address/],
      [['enable', '9', '1', '10.9.0.1', '70000'], /Port must be an integer in 1\.\.65535/],
      [['add', '9', '1', '10.9.0.2', '1', '--limit', '5'], /--limit is for route history only/],
      [['history', '--limit', '0'], /--limit must be an integer in 1\.\.1000/],
      [['history', '9', '1', '2'], /route history takes at most ModID and CmdID/],
      [['add', 'x', '1', '10.0.0.1', '1'], /ModID must be an integer/],
      [['add', '9', '-1', '10.0.0.1', '1'], /CmdID must be an integer/],
      [['add', '9', '1', '10.0.0.256', '1'], /IP must be an IPv4 address/],
      [['add', '9', '1', '10.0.0.1', '65536'], /Port must be an integer in 1\.\.65535/],
      [['add', '9', '1', '10.0.0.1', '0'], /Port must be an integer in 1\.\.65535/],
      [['add', '9', '1', '10.0.0.1'], /route add needs ModID CmdID IP Port/],
      [['del', '9'], /route del needs/],
      [['move', '9', '1'], /unknown COMMAND "move" \(list, add, del, disable, enable or history\)/],
      [[], /missing argument COMMAND/],
    ];
    for (const [argv, message] of bad) {
      const r = await route(...argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err).toMatch(message);
    }
    expect(await snapshot()).toEqual(before);
  });

  it('runs as run_lars.sh runs it, and names an unreachable MySQL', async () => {
    const ok = await runProcess(['list', '9', '1'], env, 'packages/tools/src/route-cli.ts');
    expect(ok.code).toBe(0);
    expect(ok.out).toContain('modid = 9, cmdid = 1, ip = 10.9.0.1, port = 1');
    const down = await runProcess(['list'], { ...env, LARS_MYSQL_DB_PORT: '1' }, 'packages/tools/src/route-cli.ts');
    expect(down.code).toBe(1);
    expect(down.err).toMatch(/cannot reach MySQL lars@127\.0\.0\.1:1\/lars_test_/);
  });
});

describe('route disable and enable, and the history', () => {
  const user = userInfo().username;
  const source = `cli ${user}@${hostname()}`;

  it('drains and restores a host, says when nothing changes, lists the flag, and records each change', async () => {
    expect((await route('add', '10', '1', '10.10.0.1', '80')).code).toBe(0);
    expect((await route('add', '10', '1', '10.10.0.2', '80')).code).toBe(0);
    const off = await route('disable', '10', '1', '10.10.0.2', '80');
    expect(off).toMatchObject({
      code: 0,
      out: expect.stringMatching(/^disable 10\/1 10\.10\.0\.2:80: done, route version \d+\n$/),
    });
    const offVersion = (await snapshot()).version;
    expect(await route('disable', '10', '1', '10.10.0.2', '80')).toMatchObject({
      code: 0,
      out: 'disable 10/1 10.10.0.2:80: nothing changed (that host is disabled already)\n',
    });
    expect(await route('list', '10', '1')).toMatchObject({
      code: 0,
      out:
        `route version ${offVersion}, 2 hosts (1 disabled)\n` +
        'modid = 10, cmdid = 1, ip = 10.10.0.1, port = 80\n' +
        'modid = 10, cmdid = 1, ip = 10.10.0.2, port = 80, disabled\n',
    });
    expect((await route('enable', '10', '1', '10.10.0.2', '80')).out).toMatch(/^enable 10\/1 10\.10\.0\.2:80: done/);
    const onVersion = (await snapshot()).version;
    expect((await route('enable', '10', '1', '10.10.0.2', '80')).out).toBe(
      'enable 10/1 10.10.0.2:80: nothing changed (that host is not disabled)\n',
    );
    expect((await route('disable', '10', '1', '10.10.0.3', '80')).out).toBe(
      'disable 10/1 10.10.0.3:80: nothing changed (that host is not in the route)\n',
    );

    // Four changes, four audit rows (the three no-ops wrote none), as the OS user from this host.
    const [audit] = await sys.db.admin.query<RowDataPacket[]>(
      'SELECT actor, source, hosts_added, hosts_removed, hosts_disabled, hosts_enabled, version FROM RouteAudit WHERE modid = 10 ORDER BY id',
    );
    const row = (lists: Record<string, string[]>, version: unknown) => ({
      actor: user,
      source,
      hosts_added: '[]',
      hosts_removed: '[]',
      hosts_disabled: '[]',
      hosts_enabled: '[]',
      ...Object.fromEntries(Object.entries(lists).map(([k, v]) => [k, JSON.stringify(v)])),
      version,
    });
    expect(audit).toEqual([
      row({ hosts_added: ['10.10.0.1:80'] }, expect.any(Number)),
      row({ hosts_added: ['10.10.0.2:80'] }, expect.any(Number)),
      row({ hosts_disabled: ['10.10.0.2:80'] }, offVersion),
      row({ hosts_enabled: ['10.10.0.2:80'] }, onVersion),
    ]);

    const history = await route('history', '10', '1', '--limit', '3');
    expect(history.code).toBe(0);
    const lines = history.out.split('\n');
    expect(lines[0]).toBe('3 changes, newest first');
    expect(lines.slice(1, 4)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z version ${onVersion} 10/1 by ${user} from ${source}: enabled 10\\.10\\.0\\.2:80$`,
        ),
      ),
      expect.stringContaining(`version ${offVersion} 10/1 by ${user} from ${source}: disabled 10.10.0.2:80`),
      expect.stringContaining(': added 10.10.0.2:80'),
    ]);
    expect(lines).toHaveLength(5);
  });

  it("a disabled host leaves a running agent's route by push, and comes back when enabled", async () => {
    const client = new LarsClient({ basePort: sys.basePort });
    try {
      expect((await route('add', '11', '1', '10.11.0.1', '1')).code).toBe(0);
      expect((await route('add', '11', '1', '10.11.0.2', '2')).code).toBe(0);
      await waitForRoute(sys, 11, 1, 2);
      expect((await route('disable', '11', '1', '10.11.0.1', '1')).code).toBe(0);
      await waitForRoute(sys, 11, 1, 1);
      expect(await client.getRoute(11, 1)).toMatchObject({ ret: RetCode.SUCC, hosts: [{ ip: '10.11.0.2', port: 2 }] });
      expect((await route('enable', '11', '1', '10.11.0.1', '1')).code).toBe(0);
      await waitForRoute(sys, 11, 1, 2);
    } finally {
      await client.close();
    }
  });
});

describe('route on a database not yet migrated (the original schema)', () => {
  it('lists it, and refuses a change saying how to migrate, writing nothing', async () => {
    const original = await createTestDatabase({ migrate: false });
    try {
      await runSqlFile(original, original.name, `${REPO_ROOT}packages/store/test/fixtures/original-schema.sql`);
      const on = { ...env, LARS_MYSQL_DB_NAME: original.name };
      expect(await routeOn(on, 'list', '3', '2')).toEqual({
        code: 0,
        out:
          'route version 1700000000, 2 hosts\n' +
          'modid = 3, cmdid = 2, ip = 127.0.0.1, port = 9001\n' +
          'modid = 3, cmdid = 2, ip = 255.255.255.255, port = 1\n',
        err: '',
      });
      const refused = await routeOn(on, 'add', '3', '2', '10.3.2.1', '1');
      expect(refused.code).toBe(1);
      expect(refused.err).toMatch(/RouteAudit.*doesn't exist: the schema is older .* \.\/run_lars\.sh db migrate\n$/);
      const [[n]] = await original.admin.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM RouteData WHERE modid = 3');
      expect(n.n).toBe(2);
    } finally {
      await original.drop();
    }
  });
});
