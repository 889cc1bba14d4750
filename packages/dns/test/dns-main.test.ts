// The DNS as run_lars.sh runs it: a process reading conf, serving, and
// closing cleanly on SIGTERM; a bad config value is a clear startup error.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test-support/db.js';
import { freePort } from '../../../test-support/ports.js';
import { REPO_ROOT } from '../../../test-support/repo-paths.js';
import { RouteClient } from './route-client.js';

let db: TestDatabase;
const dir = mkdtempSync(join(tmpdir(), 'lars-dns-main-'));
beforeAll(async () => {
  db = await createTestDatabase();
  await db.admin.query("INSERT INTO RouteData (modid, cmdid, serverip, serverport) VALUES (1, 1, INET_ATON('10.1.1.1'), 1111)");
});
afterAll(async () => {
  await db.drop();
  rmSync(dir, { recursive: true, force: true });
});

function runDns(conf: string): { child: ChildProcess; output: () => string } {
  const file = join(dir, `dns-${Math.random().toString(36).slice(2)}.conf`);
  writeFileSync(file, conf);
  const child = spawn(process.execPath, ['--import', 'tsx', 'packages/dns/src/main.ts', file], {
    cwd: REPO_ROOT,
    env: { ...process.env, LARS_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  return { child, output: () => out };
}

async function waitFor(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('dns main (run_lars.sh dns)', () => {
  it('serves routes and its stats endpoint, and exits 0 on SIGTERM', async () => {
    const [port, statsPort] = [await freePort(), await freePort()];
    const { child, output } = runDns(
      `[reactor]\nip = 127.0.0.1\nport = ${port}\n[mysql]\ndb_host = ${db.host}\ndb_port = ${db.port}\n` +
        `db_user = ${db.user}\ndb_passwd = ${db.password}\ndb_name = ${db.name}\n[dns]\ncheck_interval = 0.2\n[stats]\nport = ${statsPort}\n`,
    );
    try {
      await waitFor(() => output().includes('DNS serving') && output().includes('stats endpoint listening'), 'the DNS to start');
      const c = await RouteClient.connect(port);
      expect((await c.ask(1, 1)).hosts).toEqual(['10.1.1.1:1111']);
      const stats = (await (await fetch(`http://127.0.0.1:${statsPort}/stats`)).json()) as Record<string, unknown>;
      expect(stats).toMatchObject({ requests: 1, tableRoutes: 1, tableHosts: 1, connections: 1, mysqlUp: true });
      const metrics = await (await fetch(`http://127.0.0.1:${statsPort}/metrics`)).text();
      expect(metrics).toContain('lars_dns_requests 1');
      await c.close();
      child.kill('SIGTERM');
      const [code] = await once(child, 'exit');
      expect(code).toBe(0);
      expect(output()).toContain('stopped');
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('refuses to start on a malformed config value, naming file, section and key', async () => {
    const { child, output } = runDns('[reactor]\nport = seventy\n');
    const [code] = await once(child, 'exit');
    expect(code).toBe(1);
    expect(output()).toMatch(/dns-.*\.conf: \[reactor\] port = \\?"seventy\\?" is not an integer/);
  });
});
