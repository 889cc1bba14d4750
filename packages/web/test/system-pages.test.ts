// The system pages: rows/s from given readings (pure), and GET /api/system,
// /system and /system/panel against a real DnsServer and ReporterServer on
// the test database, with an agent address nothing listens on.
import { createServer } from 'node:net';
import { DnsServer } from '@lars/dns/internal';
import { ReporterServer } from '@lars/reporter/internal';
import { changeRoutes } from '@lars/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestDatabase } from '../../../test-support/db.js';
import { serveStatsEndpoint, type StatsEndpoint } from '../../../test-support/stats-endpoint.js';
import { until } from '../../../test-support/wait.js';
import { RateMemory, ratePerSecond } from '../src/system-summary.js';
import { WebServer } from '../src/web-server.js';
import { BrowserClient } from './web-client.js';
import { createWebTestDatabase, fixtureAccounts, mysqlOf } from './web-test-db.js';

describe('rows/s', () => {
  it('is the delta over the elapsed time; null on the first reading, no time, or a restarted counter', () => {
    expect(ratePerSecond(undefined, { value: 10, at: 1000 })).toBeNull();
    expect(ratePerSecond({ value: 100, at: 1000 }, { value: 400, at: 3000 })).toBe(150);
    expect(ratePerSecond({ value: 100, at: 1000 }, { value: 100, at: 1000 })).toBeNull();
    expect(ratePerSecond({ value: 100, at: 1000 }, { value: 5, at: 2000 })).toBeNull();
  });

  it('RateMemory keeps one reading per address and answers the last rate for readings closer than its interval', () => {
    const m = new RateMemory(1000);
    expect(m.rate('a', { value: 0, at: 0 })).toBeNull();
    expect(m.rate('b', { value: 50, at: 0 })).toBeNull();
    expect(m.rate('a', { value: 200, at: 2000 })).toBe(100);
    expect(m.rate('a', { value: 210, at: 2100 })).toBe(100);
    expect(m.rate('a', { value: 500, at: 4000 })).toBe(150);
    expect(m.rate('b', { value: 60, at: 1000 })).toBe(10);
  });
});

describe('the system pages against real daemons', () => {
  let db: TestDatabase;
  let dns: DnsServer;
  let reporter: ReporterServer;
  let dnsHttp: StatsEndpoint & { port: number };
  let reporterHttp: StatsEndpoint & { port: number };
  let web: WebServer;
  let closedPort: number;

  const portOf = async (e: StatsEndpoint) => Number(new URL((await e.get('/readyz')).url).port);

  beforeAll(async () => {
    db = await createWebTestDatabase();
    // Through changeRoutes: it bumps RouteVersion, which the DNS loads its table for.
    const conn = await db.admin.getConnection();
    try {
      await changeRoutes(conn, [
        { op: 'add', modid: 1, cmdid: 1, ip: 0x0a000001, port: 80 },
        { op: 'add', modid: 1, cmdid: 2, ip: 0x0a000002, port: 80 },
      ]);
    } finally {
      conn.release();
    }
    dns = new DnsServer({ port: 0, mysql: mysqlOf(db), defaultMetrics: false });
    await dns.start();
    reporter = new ReporterServer({ port: 0, writers: 1, mysql: mysqlOf(db), defaultMetrics: false });
    await reporter.start();
    const d = await serveStatsEndpoint(dns);
    dnsHttp = Object.assign(d, { port: await portOf(d) });
    const r = await serveStatsEndpoint(reporter);
    reporterHttp = Object.assign(r, { port: await portOf(r) });
    // A port that was free a moment ago: nothing listens there.
    const probe = createServer();
    await new Promise<void>((ok) => probe.listen(0, '127.0.0.1', ok));
    closedPort = (probe.address() as { port: number }).port;
    await new Promise((ok) => probe.close(ok));
    await until(() => dns.stats().routeVersion !== 0, 'the DNS loaded its table');
    web = new WebServer({
      port: 0,
      mysql: mysqlOf(db),
      defaultMetrics: false,
      dnsStats: [{ host: '127.0.0.1', port: dnsHttp.port }],
      reporterStats: [{ host: '127.0.0.1', port: reporterHttp.port }],
      agentStats: [{ host: '127.0.0.1', port: closedPort }],
    });
    await web.start();
    await fixtureAccounts(db).add('vera', 'viewer', 'vera-password');
  });
  afterAll(async () => {
    await web?.close();
    await dnsHttp?.close();
    await reporterHttp?.close();
    await dns?.close();
    await reporter?.close();
    await db?.drop();
  });

  it('GET /api/system: the DNS route version and table, the reporter, the agent unreachable with the reason', async () => {
    const vera = new BrowserClient(web.fastify);
    expect((await vera.login('vera', 'vera-password')).statusCode).toBe(303);
    const res = await vera.get('/api/system');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    const version = dns.stats().routeVersion;
    expect(body.dns).toEqual([
      expect.objectContaining({
        host: '127.0.0.1',
        port: dnsHttp.port,
        reachable: true,
        error: null,
        ready: true,
        routeVersion: version,
        tableRoutes: 2,
        tableHosts: 2,
        subscriptions: 0,
      }),
    ]);
    expect(body.dns[0].checks).toEqual([{ name: 'table', ok: true, detail: `version ${version}, 2 routes, 2 hosts` }]);
    expect(body.reporter[0]).toMatchObject({
      reachable: true,
      rowsWritten: 0,
      rowsPerSecond: null,
      requestsDropped: 0,
    });
    expect(body.agent).toEqual([
      {
        host: '127.0.0.1',
        port: closedPort,
        reachable: false,
        error: `http://127.0.0.1:${closedPort}/stats: connection refused (is the daemon running, with its [stats] port there?)`,
        ready: null,
        checks: [],
        dnsConnected: null,
        dnsConnects: null,
        dnsFailovers: null,
        reportersConnected: null,
        routes: null,
        getHostRequests: null,
        picksSucc: null,
        picksOverload: null,
        picksNoexist: null,
      },
    ]);
  });

  it('GET /system polls /system/panel with htmx; the panel shows the same', async () => {
    const vera = new BrowserClient(web.fastify);
    await vera.login('vera', 'vera-password');
    const page = await vera.get('/system');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('hx-get="/system/panel" hx-trigger="every 2s"');
    const panel = await vera.get('/system/panel');
    expect(panel.body).not.toContain('<html');
    expect(panel.body).toContain(`<td class="route-version">${dns.stats().routeVersion}</td>`);
    expect(panel.body).toContain(`unreachable: http://127.0.0.1:${closedPort}/stats: connection refused`);
    expect((await new BrowserClient(web.fastify).get('/api/system')).statusCode).toBe(401);
  });
});
