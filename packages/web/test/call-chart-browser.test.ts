// The call chart and the alerts badge in headless Chromium: uPlot and
// call-chart.js load under the console's CSP (no inline script or style),
// draw the series the API answers, and the header's badge polls /alerts/badge.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestDatabase } from '../../../test-support/db.js';
import { WebServer } from '../src/web-server.js';
import { launchBrowser, logIn, screenshot } from './browser.js';
import { createWebTestDatabase, fixtureAccounts, mysqlOf } from './web-test-db.js';

let db: TestDatabase;
let web: WebServer;
let browser: Browser;
const NOW_S = 1_800_000_030;
const LAST = Math.floor(NOW_S / 60) * 60;

beforeAll(async () => {
  db = await createWebTestDatabase();
  for (const [ip, caller, minute, succ, err] of [
    ['10.0.0.1', '172.16.0.1', LAST - 120, 30, 2],
    ['10.0.0.1', '172.16.0.2', LAST - 60, 25, 5],
    ['10.0.0.2', '172.16.0.1', LAST, 12, 0],
  ] as const)
    await db.admin.query(
      `INSERT INTO CallStatusMinute (modid, cmdid, ip, port, caller, minute, succ, err)
       VALUES (1, 1, INET_ATON(?), 80, INET_ATON(?), ?, ?, ?)`,
      [ip, caller, minute, succ, err],
    );
  await db.admin.query(
    `INSERT INTO ServerCallStatus (modid, cmdid, ip, port, caller, succ_cnt, err_cnt, ts, overload)
     VALUES (1, 1, INET_ATON('10.0.0.1'), 80, INET_ATON('172.16.0.1'), 55, 7, ?, '1')`,
    [NOW_S - 5],
  );
  web = new WebServer({ port: 0, mysql: mysqlOf(db), defaultMetrics: false, now: () => NOW_S * 1000 });
  await web.start();
  await web.alerts.tick();
  await fixtureAccounts(db).add('vera', 'viewer', 'vera-password1');
  ({ browser } = await launchBrowser());
});
afterAll(async () => {
  await browser?.close();
  await web?.close();
  await db?.drop();
});

describe('the route calls page in a browser', () => {
  it('draws the chart with a series per host, no script error or CSP refusal; the badge counts the alert', async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(err.message));
    page.on('console', (m) => {
      // The console serves no favicon (Chromium asks for one by itself): not this page's doing.
      if (m.type() === 'error' && !m.location().url.endsWith('/favicon.ico')) problems.push(m.text());
    });
    page.on('response', (r) => {
      if (r.status() >= 400) problems.push(`${r.status()} ${new URL(r.url()).pathname}`);
    });
    const { host, port } = web.address();
    const url = `http://${host}:${port}`;
    await logIn(page, url, 'vera', 'vera-password1');
    await page.goto(`${url}/routes/1/1/calls`);
    await page.waitForSelector('#call-chart canvas');
    const legend = await page.locator('#call-chart .u-legend').textContent();
    for (const label of ['10.0.0.1:80 ok', '10.0.0.1:80 err', '10.0.0.2:80 ok', '10.0.0.2:80 err'])
      expect(legend).toContain(label);
    // htmx replaces the header's plain link once /alerts/badge answers.
    await page.locator('#alert-badge', { hasText: 'Alerts (1)' }).waitFor();
    await screenshot(page, 'route-calls');
    expect(problems).toEqual([]);
    await page.close();
  });
});
