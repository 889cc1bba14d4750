// The call status pages and their /api twins against the real MariaDB:
// ServerCallStatus and CallStatusMinute rows inserted here, read back as
// tables, per-host groups and the chart's series.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestDatabase } from '../../../test-support/db.js';
import { WebServer } from '../src/web-server.js';
import type { BrowserClient } from './web-client.js';
import { createWebTestDatabase, fixtureAccounts, fixtureToken, loggedInRoles, mysqlOf } from './web-test-db.js';

let db: TestDatabase;
let web: WebServer;
const NOW_S = 1_800_000_030;
const LAST = Math.floor(NOW_S / 60) * 60;
const bearer: Record<string, string> = {};
const browsers: Record<'vera' | 'ed' | 'ada', BrowserClient> = {} as never;

// [modid, cmdid, ip, port, caller, succ, err, ts, overload]
const STATUS: [number, number, string, number, string, number, number, number, string][] = [
  [1, 1, '10.0.0.1', 80, '172.16.0.1', 100, 2, NOW_S - 20, '0'],
  [1, 1, '10.0.0.1', 80, '172.16.0.2', 50, 30, NOW_S - 10, '1'],
  [1, 1, '10.0.0.2', 80, '172.16.0.1', 70, 0, NOW_S - 30, '0'],
  [7, 3, '192.168.1.177', 9000, '172.16.0.9', 5, 5, NOW_S - 5, '0'],
];
// [modid, cmdid, ip, port, caller, minute, succ, err]
const ROLLUP: [number, number, string, number, string, number, number, number][] = [
  [1, 1, '10.0.0.1', 80, '172.16.0.1', LAST, 10, 1],
  [1, 1, '10.0.0.1', 80, '172.16.0.2', LAST, 5, 4],
  [1, 1, '10.0.0.1', 80, '172.16.0.1', LAST - 600, 8, 0],
  [1, 1, '10.0.0.2', 80, '172.16.0.1', LAST - 60, 3, 3],
  // Older than the hour: not in the default series.
  [1, 1, '10.0.0.2', 80, '172.16.0.1', LAST - 7200, 99, 99],
  [7, 3, '192.168.1.177', 9000, '172.16.0.9', LAST, 1, 1],
];

beforeAll(async () => {
  db = await createWebTestDatabase();
  for (const r of STATUS)
    await db.admin.query(
      `INSERT INTO ServerCallStatus (modid, cmdid, ip, port, caller, succ_cnt, err_cnt, ts, overload)
       VALUES (?, ?, INET_ATON(?), ?, INET_ATON(?), ?, ?, ?, ?)`,
      r,
    );
  for (const r of ROLLUP)
    await db.admin.query(
      `INSERT INTO CallStatusMinute (modid, cmdid, ip, port, caller, minute, succ, err)
       VALUES (?, ?, INET_ATON(?), ?, INET_ATON(?), ?, ?, ?)`,
      r,
    );
  web = new WebServer({ port: 0, mysql: mysqlOf(db), defaultMetrics: false, now: () => NOW_S * 1000 });
  await web.start();
  const accounts = fixtureAccounts(db);
  Object.assign(browsers, await loggedInRoles(web.fastify, accounts));
  bearer.authorization = `Bearer ${await fixtureToken(accounts, 'vera', 'calls-test')}`;
});
afterAll(async () => {
  await web?.close();
  await db?.drop();
});

const api = (url: string) => web.fastify.inject({ url, headers: bearer });

describe('GET /api/calls and /calls', () => {
  it('every row, newest report first, addresses dotted; filtered by modid', async () => {
    const res = await api('/api/calls');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.truncated).toBe(false);
    expect(body.calls.map((c: { ts: number }) => c.ts)).toEqual([NOW_S - 5, NOW_S - 10, NOW_S - 20, NOW_S - 30]);
    expect(body.calls[1]).toEqual({
      modid: 1,
      cmdid: 1,
      ip: '10.0.0.1',
      port: 80,
      caller: '172.16.0.2',
      succ: 50,
      err: 30,
      ts: NOW_S - 10,
      overload: true,
    });
    const seven = (await api('/api/calls?modid=7')).json();
    expect(seven.calls).toHaveLength(1);
    expect(seven.calls[0].ip).toBe('192.168.1.177');
    const limited = (await api('/api/calls?limit=2')).json();
    expect(limited.calls).toHaveLength(2);
    expect(limited.truncated).toBe(true);
    const next = (await api('/api/calls?limit=2&offset=2')).json();
    expect(next.calls.map((c: { ts: number }) => c.ts)).toEqual([NOW_S - 20, NOW_S - 30]);
    expect(next.truncated).toBe(false);
  });

  it('the page for viewer, editor and admin lists the rows and links each route', async () => {
    for (const b of Object.values(browsers)) {
      const page = await b.get('/calls');
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('192.168.1.177:9000');
      expect(page.body).toContain('172.16.0.2');
      expect(page.body).toContain('href="/routes/1/1/calls"');
    }
    const seven = await browsers.vera.get('/calls?modid=7');
    expect(seven.body).toContain('192.168.1.177:9000');
    expect(seven.body).not.toContain('10.0.0.1:80');
  });

  it('without a login: the API 401, the page to the login', async () => {
    expect((await web.fastify.inject({ url: '/api/calls' })).statusCode).toBe(401);
    expect((await web.fastify.inject({ url: '/calls' })).statusCode).toBe(303);
  });

  it('modid abc: 400 naming modid, as JSON and as a page', async () => {
    const res = await api('/api/calls?modid=abc');
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: 'bad_request', message: 'modid: must be integer' });
    const page = await browsers.vera.get('/calls?modid=abc');
    expect(page.statusCode).toBe(400);
    expect(page.body).toContain('modid: must be integer');
  });
});

describe('GET /api/routes/:modid/:cmdid/calls and the page', () => {
  it('groups by host: summed counts, overload if any caller says so, callers, last report', async () => {
    const res = await api('/api/routes/1/1/calls');
    expect(res.statusCode).toBe(200);
    const call = (ip: string, caller: string, succ: number, err: number, ts: number, overload: boolean) => ({
      modid: 1,
      cmdid: 1,
      ip,
      port: 80,
      caller,
      succ,
      err,
      ts,
      overload,
    });
    expect(res.json()).toEqual({
      modid: 1,
      cmdid: 1,
      hosts: [
        {
          ip: '10.0.0.1',
          port: 80,
          succ: 150,
          err: 32,
          overload: true,
          ts: NOW_S - 10,
          callers: [
            call('10.0.0.1', '172.16.0.1', 100, 2, NOW_S - 20, false),
            call('10.0.0.1', '172.16.0.2', 50, 30, NOW_S - 10, true),
          ],
        },
        {
          ip: '10.0.0.2',
          port: 80,
          succ: 70,
          err: 0,
          overload: false,
          ts: NOW_S - 30,
          callers: [call('10.0.0.2', '172.16.0.1', 70, 0, NOW_S - 30, false)],
        },
      ],
    });
    expect((await api('/api/routes/9/9/calls')).json()).toEqual({ modid: 9, cmdid: 9, hosts: [] });
  });

  it('the page shows the hosts, the chart element with its series URL, uPlot and the chart script', async () => {
    for (const b of Object.values(browsers)) {
      const page = await b.get('/routes/1/1/calls');
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('10.0.0.1:80');
      expect(page.body).toContain('172.16.0.2: 50 ok, 30 err, overloaded');
      expect(page.body).toContain('data-series="/api/routes/1/1/series?minutes=60"');
      expect(page.body).toContain('<script src="/assets/uplot/uPlot.iife.min.js" defer></script>');
      expect(page.body).toContain('<script src="/assets/call-chart.js" defer></script>');
    }
    const empty = await browsers.vera.get('/routes/9/9/calls');
    expect(empty.body).toContain('No call status reported for this route.');
  });

  it('uPlot and the chart script are served by the console, nothing else of the package', async () => {
    const js = await web.fastify.inject({ url: '/assets/uplot/uPlot.iife.min.js' });
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toMatch(/javascript/);
    expect(js.body).toContain('uPlot');
    const css = await web.fastify.inject({ url: '/assets/uplot/uPlot.min.css' });
    expect(css.statusCode).toBe(200);
    expect(css.headers['content-type']).toMatch(/css/);
    expect((await web.fastify.inject({ url: '/assets/uplot/uPlot.esm.js' })).statusCode).toBe(404);
    expect((await web.fastify.inject({ url: '/assets/uplot/../package.json' })).statusCode).toBe(404);
    const chart = await web.fastify.inject({ url: '/assets/call-chart.js' });
    expect(chart.statusCode).toBe(200);
    expect(chart.body).toContain('dataset.series');
  });

  it('the series equals the inserted rollup rows, summed over callers, zero-filled over the hour', async () => {
    const res = await api('/api/routes/1/1/series?minutes=60');
    expect(res.statusCode).toBe(200);
    const s = res.json();
    expect(s.step).toBe(60);
    expect(s.minutes).toEqual(Array.from({ length: 61 }, (_, i) => LAST - 3600 + i * 60));
    const at = (minute: number, v: number) => s.minutes.map((m: number) => (m === minute ? v : 0));
    expect(s.hosts).toEqual([
      {
        ip: '10.0.0.1',
        port: 80,
        succ: s.minutes.map((m: number) => (m === LAST ? 15 : m === LAST - 600 ? 8 : 0)),
        err: at(LAST, 5),
      },
      { ip: '10.0.0.2', port: 80, succ: at(LAST - 60, 3), err: at(LAST - 60, 3) },
    ]);
    // Three hours back reaches the old row.
    const long = (await api('/api/routes/1/1/series?minutes=180')).json();
    expect(long.hosts[1].succ.reduce((a: number, b: number) => a + b)).toBe(102);
    expect((await browsers.vera.get('/api/routes/1/1/series')).json().minutes).toHaveLength(61);
  });

  it('bad input: 400 naming what was wrong', async () => {
    const big = await api('/api/routes/1/1/series?minutes=100000');
    expect(big.statusCode).toBe(400);
    expect(big.json()).toEqual({ error: 'bad_request', message: 'minutes: must be <= 1440' });
    const zero = await api('/api/routes/1/1/series?minutes=0');
    expect(zero.json().message).toBe('minutes: must be >= 1');
    const abc = await api('/api/routes/abc/1/calls');
    expect(abc.statusCode).toBe(400);
    expect(abc.json().message).toBe('modid: must be integer');
    const page = await browsers.vera.get('/routes/1/x/calls');
    expect(page.statusCode).toBe(400);
    expect(page.body).toContain('cmdid: must be integer');
  });
});
