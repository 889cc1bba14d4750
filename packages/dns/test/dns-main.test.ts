// The DNS as run_lars.sh runs it: a process reading conf, serving, and
// closing cleanly on SIGTERM; a bad config value is a clear startup error.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test-support/db.js';
import { mysqlSection, startDaemonProcess } from '../../../test-support/daemon-process.js';
import { freePort, REFUSED_PORT } from '../../../test-support/ports.js';
import { promtoolCheckMetrics } from '../../../test-support/promtool.js';
import { RouteClient } from './route-client.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
  await db.admin.query(
    "INSERT INTO RouteData (modid, cmdid, serverip, serverport) VALUES (1, 1, INET_ATON('10.1.1.1'), 1111)",
  );
});
afterAll(() => db.drop());

describe('dns main (run_lars.sh dns)', () => {
  it('serves routes and its stats endpoint, and exits 0 on SIGTERM', async () => {
    const [port, statsPort] = [await freePort(), await freePort()];
    const dns = startDaemonProcess(
      'packages/dns/src/main.ts',
      `[reactor]\nip = 127.0.0.1\nport = ${port}\n${mysqlSection(db)}[dns]\ncheck_interval = 0.2\n[stats]\nport = ${statsPort}\n`,
    );
    try {
      await dns.waitForOutput('DNS serving', 'stats endpoint listening');
      const c = await RouteClient.connect(port);
      expect((await c.ask(1, 1)).hosts).toEqual(['10.1.1.1:1111']);
      const stats = (await (await fetch(`http://127.0.0.1:${statsPort}/stats`)).json()) as Record<string, unknown>;
      expect(stats).toMatchObject({ requests: 1, tableRoutes: 1, tableHosts: 1, connections: 1, mysqlUp: true });
      const metrics = await (await fetch(`http://127.0.0.1:${statsPort}/metrics`)).text();
      expect(metrics).toContain('\nlars_dns_requests_total 1\n');
      expect(promtoolCheckMetrics(metrics).problems).toEqual([]);
      expect((await fetch(`http://127.0.0.1:${statsPort}/readyz`)).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${statsPort}/healthz`)).status).toBe(200);
      await c.close();
      expect(await dns.stop('SIGTERM')).toBe(0);
      expect(dns.output()).toContain('stopped');
    } finally {
      await dns.stop('SIGKILL');
    }
  });

  it('answers /readyz 503 and /healthz 200 while waiting for MySQL before the first load, and stops on SIGTERM', async () => {
    const [port, statsPort] = [await freePort(), await freePort()];
    const dns = startDaemonProcess(
      'packages/dns/src/main.ts',
      `[reactor]\nport = ${port}\n${mysqlSection({ ...db, port: REFUSED_PORT })}[stats]\nport = ${statsPort}\n`,
    );
    try {
      await dns.waitForOutput('stats endpoint listening');
      const ready = await fetch(`http://127.0.0.1:${statsPort}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toEqual({
        ok: false,
        failing: ['table'],
        checks: { table: { ok: false, detail: 'no route table loaded yet' } },
        info: { mysqlUp: false, routeVersion: null },
      });
      const live = await fetch(`http://127.0.0.1:${statsPort}/healthz`);
      expect(live.status).toBe(200);
      expect(await live.json()).toMatchObject({ ok: true, checks: { main: { ok: true }, loader: { ok: true } } });
      expect(await dns.stop('SIGTERM')).toBe(0);
    } finally {
      await dns.stop('SIGKILL');
    }
  });

  it('refuses to start on a malformed config value, naming file, section and key', async () => {
    const dns = startDaemonProcess('packages/dns/src/main.ts', '[reactor]\nport = seventy\n');
    expect(await dns.exited()).toBe(1);
    expect(dns.output()).toMatch(/daemon\.conf: \[reactor\] port = \\?"seventy\\?" is not an integer/);
  });
});
