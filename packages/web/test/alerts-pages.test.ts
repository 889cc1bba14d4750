// Alerts end to end against the real MariaDB: rows inserted here, the
// monitor ticked by hand (its interval is far off), the pages and the
// badge read as every role, the webhook received by a local HTTP server.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { TestDatabase } from '../../../test-support/db.js';
import { WebServer } from '../src/web-server.js';
import type { BrowserClient } from './web-client.js';
import { createWebTestDatabase, fixtureAccounts, fixtureToken, loggedInRoles, mysqlOf } from './web-test-db.js';

let db: TestDatabase;
let web: WebServer;
let hook: Server;
const received: { event: string; alert: { ip: string; reason: string }; console: string }[] = [];
const NOW_S = 1_800_000_030;
const LAST = Math.floor(NOW_S / 60) * 60;
const bearer: Record<string, string> = {};
const browsers: BrowserClient[] = [];

const status = (ip: string, caller: string, overload: string) =>
  db.admin.query(
    `INSERT INTO ServerCallStatus (modid, cmdid, ip, port, caller, succ_cnt, err_cnt, ts, overload)
     VALUES (1, 1, INET_ATON(?), 80, INET_ATON(?), 10, 0, ?, ?)
     ON DUPLICATE KEY UPDATE overload = VALUES(overload)`,
    [ip, caller, NOW_S - 40, overload],
  );
const rollup = (ip: string, caller: string, minute: number, succ: number, err: number) =>
  db.admin.query(
    `INSERT INTO CallStatusMinute (modid, cmdid, ip, port, caller, minute, succ, err)
     VALUES (2, 5, INET_ATON(?), 90, INET_ATON(?), ?, ?, ?)`,
    [ip, caller, minute, succ, err],
  );
const api = (url: string) => web.fastify.inject({ url, headers: bearer });

beforeAll(async () => {
  db = await createWebTestDatabase();
  hook = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      received.push(JSON.parse(body));
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
  web = new WebServer({
    port: 0,
    mysql: mysqlOf(db),
    defaultMetrics: false,
    now: () => NOW_S * 1000,
    // Far off: the test ticks the monitor itself.
    alertIntervalMs: 3_600_000,
    alertWebhook: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`,
  });
  await web.start();
  await web.alerts.tick();
  const accounts = fixtureAccounts(db);
  browsers.push(...Object.values(await loggedInRoles(web.fastify, accounts)));
  bearer.authorization = `Bearer ${await fixtureToken(accounts, 'vera', 'alerts-test')}`;
});
afterAll(async () => {
  await web?.close();
  await new Promise((resolve) => hook?.close(resolve));
  await db?.drop();
});

describe('alerts', () => {
  it('none at first: evaluated, empty, the thresholds in force; the badge says 0', async () => {
    const res = await api('/api/alerts');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      evaluated: true,
      alerts: [],
      rules: { errorRate: 0.1, minCalls: 20, windowS: 300, intervalS: 3600 },
    });
    const badge = await browsers[0].get('/alerts/badge');
    expect(badge.statusCode).toBe(200);
    expect(badge.body).toContain('Alerts (0)');
    expect(web.stats().alertsActive).toBe(0);
  });

  it('an overloaded host (with its callers) and 50 % errors over 40 calls appear; 2 errors of 4 calls does not', async () => {
    await status('10.0.0.1', '172.16.0.1', '1');
    await status('10.0.0.1', '172.16.0.2', '0');
    await status('10.0.0.2', '172.16.0.1', '0');
    await rollup('10.0.1.1', '172.16.0.7', LAST - 120, 10, 10);
    await rollup('10.0.1.1', '172.16.0.8', LAST - 60, 10, 10);
    await rollup('10.0.1.2', '172.16.0.7', LAST - 60, 2, 2);
    await web.alerts.tick();

    const { alerts } = (await api('/api/alerts')).json();
    expect(alerts.map((a: { modid: number; ip: string }) => `${a.modid} ${a.ip}`)).toEqual([
      '1 10.0.0.1',
      '2 10.0.1.1',
    ]);
    expect(alerts[0]).toMatchObject({ modid: 1, cmdid: 1, port: 80, reason: 'overload', callers: ['172.16.0.1'] });
    expect(alerts[0].since).toBe(NOW_S - 40);
    expect(alerts[1]).toMatchObject({
      modid: 2,
      cmdid: 5,
      port: 90,
      reason: 'error_rate',
      errorRate: 0.5,
      calls: 40,
      since: LAST - 120,
    });
    expect(alerts[1].callers).toEqual(['172.16.0.7', '172.16.0.8']);
    expect(web.stats().alertsActive).toBe(2);

    for (const b of browsers) {
      const page = await b.get('/alerts');
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('10.0.0.1:80');
      expect(page.body).toContain('10.0.1.1:90');
      expect(page.body).not.toContain('10.0.1.2');
      expect(page.body).toContain('50.0 %');
      expect(page.body).toContain('href="/routes/2/5/calls"');
      expect((await b.get('/alerts/badge')).body).toContain('Alerts (2)');
      // The header polls the badge on every page.
      expect(page.body).toContain('hx-get="/alerts/badge" hx-trigger="load, every 10s"');
    }

    await vi.waitFor(() => expect(received).toHaveLength(2));
    expect(received.map((r) => `${r.event} ${r.alert.ip} ${r.alert.reason}`).sort()).toEqual([
      'raised 10.0.0.1 overload',
      'raised 10.0.1.1 error_rate',
    ]);
    expect(typeof received[0].console).toBe('string');
    expect(web.stats().webhookSent).toBe(2);
  });

  it('cleared once the rows recover: the overload off, the errors diluted under the rate', async () => {
    await status('10.0.0.1', '172.16.0.1', '0');
    await rollup('10.0.1.1', '172.16.0.9', LAST, 400, 0);
    await web.alerts.tick();
    expect((await api('/api/alerts')).json().alerts).toEqual([]);
    expect((await browsers[0].get('/alerts')).body).toContain('No host is alerted.');
    await vi.waitFor(() => expect(received).toHaveLength(4));
    expect(
      received
        .slice(2)
        .map((r) => `${r.event} ${r.alert.ip}`)
        .sort(),
    ).toEqual(['cleared 10.0.0.1', 'cleared 10.0.1.1']);
    expect(web.stats()).toMatchObject({ alertsActive: 0, webhookSent: 4, webhookFailed: 0, webhookRetried: 0 });
  });

  it('without a login: 401 on the API, the login page for the page and the badge; an unknown parameter is 400', async () => {
    expect((await web.fastify.inject({ url: '/api/alerts' })).statusCode).toBe(401);
    expect((await web.fastify.inject({ url: '/alerts' })).statusCode).toBe(303);
    expect((await web.fastify.inject({ url: '/alerts/badge' })).statusCode).toBe(303);
    const bad = await api('/api/alerts?modid=abc');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toBe('bad_request');
  });
});
