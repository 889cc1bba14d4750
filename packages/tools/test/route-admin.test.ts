import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LarsClient, RetCode } from '@lars/client';
import { runRouteAdmin } from '../src/index.js';
import { Capture, REPO_ROOT, runProcess } from './tool-harness.js';
import { LarsSystem, waitForRoute } from './system-harness.js';

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
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await runRouteAdmin([...argv, '--conf', `${REPO_ROOT}conf/lars_dns.conf`], { stdout, stderr, env });
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
      [['add', 'x', '1', '10.0.0.1', '1'], /ModID must be an integer/],
      [['add', '9', '-1', '10.0.0.1', '1'], /CmdID must be an integer/],
      [['add', '9', '1', '10.0.0.256', '1'], /IP must be an IPv4 address/],
      [['add', '9', '1', '10.0.0.1', '65536'], /Port must be an integer in 1\.\.65535/],
      [['add', '9', '1', '10.0.0.1', '0'], /Port must be an integer in 1\.\.65535/],
      [['add', '9', '1', '10.0.0.1'], /route add needs ModID CmdID IP Port/],
      [['del', '9'], /route del needs/],
      [['move', '9', '1'], /unknown COMMAND "move"/],
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
