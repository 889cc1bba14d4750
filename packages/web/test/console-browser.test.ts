// The console in a real browser (headless Chromium over playwright-core)
// against a whole Lars (console-stack.ts): the first admin made by the real
// `web-user add`, then login, the routes page and its htmx search, API
// tokens (one used from outside the browser) and the services page. Every
// page visited is saved under var/screenshots/.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, logIn, screenshot } from './browser.js';
import { type ConsoleStack, startConsoleStack } from './console-stack.js';

const ADMIN = { name: 'admin1', password: 'admin1-browser-pw' };

describe('the console in a browser', () => {
  let stack: ConsoleStack;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const fileStarted = performance.now();

  beforeAll(async () => {
    // Alerts from a handful of calls, evaluated when the test says (tick), not on a timer.
    stack = await startConsoleStack({ alertMinCalls: 5, alertIntervalMs: 3_600_000 });
    const launched = await launchBrowser();
    browser = launched.browser;
    console.info(`chromium launched in ${Math.round(launched.launchMs)} ms`);
    context = await browser.newContext();
    page = await context.newPage();
    await stack.changeRoutes([
      { op: 'add', modid: 101, cmdid: 1, ip: 0x0a000001, port: 80 },
      { op: 'add', modid: 202, cmdid: 3, ip: 0x0a000002, port: 8080 },
    ]);
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await stack?.close();
    console.info(`console-browser.test.ts: ${Math.round(performance.now() - fileStarted)} ms in all`);
  });

  it('bed check: a route changed outside the console reaches the agent, and reports reach the reporter', async () => {
    await stack.addHost(303, 1, '10.3.0.1', 9000);
    const hosts = await stack.waitForAgentRoute(303, 1, (h) => h.length === 1);
    expect(hosts).toEqual([{ ip: '10.3.0.1', port: 9000 }]);
    stack.report(303, 1, '10.3.0.1', 9000, true);
    stack.report(303, 1, '10.3.0.1', 9000, false);
    await expect
      .poll(
        async () => {
          const [rows] = await stack.db.admin.query(
            'SELECT SUM(succ_cnt) AS succ, SUM(err_cnt) AS err FROM ServerCallStatus WHERE modid = 303 AND cmdid = 1',
          );
          const [row] = rows as Array<{ succ: string | null; err: string | null }>;
          return { succ: Number(row.succ), err: Number(row.err) };
        },
        { timeout: 10_000, interval: 100 },
      )
      .toEqual({ succ: 1, err: 1 });
    // And the reporter's 1 s rollup buckets (what the call-status pages chart) hold the same calls.
    await expect
      .poll(
        async () => {
          const rows = await stack.rollupRows(303, 1);
          return rows.reduce((sum, r) => ({ succ: sum.succ + r.succ, err: sum.err + r.err }), { succ: 0, err: 0 });
        },
        { timeout: 10_000, interval: 100 },
      )
      .toEqual({ succ: 1, err: 1 });
    expect(new Set((await stack.rollupRows(303, 1)).map((r) => `${r.ip}:${r.port}`))).toEqual(
      new Set(['10.3.0.1:9000']),
    );
  });

  it('web-user add makes the first admin, who logs in at /login', async () => {
    await page.goto(`${stack.url}/login`);
    await expect.poll(() => page.locator('.notice').textContent()).toContain('No console user exists yet');

    const added = await stack.webUser(['add', ADMIN.name, 'admin'], `${ADMIN.password}\n`);
    expect(added).toMatchObject({ code: 0, err: '' });

    await page.goto(`${stack.url}/login`);
    expect(await page.locator('.notice').count()).toBe(0);
    await screenshot(page, 'login');

    await page.fill('input[name="name"]', ADMIN.name);
    await page.fill('input[name="password"]', 'not-the-password');
    await page.click('main button[type="submit"]');
    expect(await page.locator('p.error').textContent()).toBe('Wrong user name or password.');

    await page.fill('input[name="password"]', ADMIN.password);
    await Promise.all([page.waitForURL(`${stack.url}/routes`), page.click('main button[type="submit"]')]);
    expect(await page.locator('header .who').textContent()).toContain('admin1 (admin)');
  });

  it('logIn (for the later flows) logs in a second browser context', async () => {
    const other = await browser.newContext();
    try {
      const p = await other.newPage();
      await logIn(p, stack.url, ADMIN.name, ADMIN.password);
      expect(new URL(p.url()).pathname).toBe('/routes');
    } finally {
      await other.close();
    }
  });

  it('the routes page lists every route; the search narrows the table in place (htmx)', async () => {
    await page.goto(`${stack.url}/routes`);
    const rows = page.locator('#routes-table tbody tr');
    expect(await rows.allTextContents()).toEqual([
      expect.stringMatching(/101\s*1\s*10\.0\.0\.1:80/),
      expect.stringMatching(/202\s*3\s*10\.0\.0\.2:8080/),
      expect.stringMatching(/303\s*1\s*10\.3\.0\.1:9000/),
    ]);
    await screenshot(page, 'routes');

    // A marker on the document: htmx swaps the table alone, a full load would lose it.
    // (Strings run in the page: the test's TypeScript has no DOM types.)
    await page.evaluate("document.body.dataset.sameDocument = 'yes'");
    await page.fill('input[name="q"]', '202');
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().textContent()).toMatch(/202\s*3\s*10\.0\.0\.2:8080/);
    expect(await page.locator('#routes-table .summary').textContent()).toContain('1 routes, 1 hosts');
    expect(await page.evaluate('document.body.dataset.sameDocument')).toBe('yes');
    await expect.poll(() => new URL(page.url()).searchParams.get('q')).toBe('202');
    await screenshot(page, 'routes-search');
  });

  it('an admin creates an API token in the page; /api works with it from outside the browser', async () => {
    await page.goto(`${stack.url}/tokens`);
    expect(await page.locator('main').textContent()).toContain('You have no API token.');
    await page.fill('input[name="name"]', 'deploy');
    await page.click('main button:has-text("Create token")');
    const token = (await page.locator('pre.token').textContent())?.trim() ?? '';
    expect(token.length).toBeGreaterThan(20);
    expect(await page.locator('table.routes tbody tr').allTextContents()).toEqual([
      expect.stringMatching(/^\s*deploy/),
    ]);
    await screenshot(page, 'tokens');

    const res = await fetch(`${stack.url}/api/routes?modid=101`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { routes: Array<{ modid: number; cmdid: number; hosts: unknown[] }> };
    expect(body.routes).toEqual([{ modid: 101, cmdid: 1, hosts: [{ ip: '10.0.0.1', port: 80, disabled: false }] }]);

    const refused = await fetch(`${stack.url}/api/routes`, { headers: { authorization: `Bearer ${token}x` } });
    expect(refused.status).toBe(401);
  });

  it('the services page lists the modids with routes as not described', async () => {
    await page.goto(`${stack.url}/services`);
    expect(await page.locator('main h1').textContent()).toBe('Services');
    const undescribed = await page.locator('table.services-undescribed tbody tr td:first-child').allTextContents();
    expect(undescribed.map((s) => s.trim())).toEqual(['101', '202', '303']);
    await screenshot(page, 'services');
  });
  it('failing reports put the host on the alerts page; the chart draws the rollup rows the reports produced', async () => {
    await stack.changeRoutes([
      { op: 'add', modid: 404, cmdid: 1, ip: 0x0a040001, port: 80 },
      { op: 'add', modid: 404, cmdid: 1, ip: 0x0a040002, port: 80 },
    ]);
    await stack.waitForAgentRoute(404, 1, (h) => h.length === 2);
    for (let i = 0; i < 6; i++) {
      stack.report(404, 1, '10.4.0.1', 80, i % 3 === 0);
      stack.report(404, 1, '10.4.0.2', 80, true);
    }
    const totals = async () => {
      const t: Record<string, { succ: number; err: number }> = {};
      for (const r of await stack.rollupRows(404, 1)) {
        const k = `${r.ip}:${r.port}`;
        t[k] ??= { succ: 0, err: 0 };
        t[k].succ += r.succ;
        t[k].err += r.err;
      }
      return t;
    };
    await expect
      .poll(totals, { timeout: 10_000, interval: 100 })
      .toEqual({ '10.4.0.1:80': { succ: 2, err: 4 }, '10.4.0.2:80': { succ: 6, err: 0 } });
    const rows = await stack.rollupRows(404, 1);

    await stack.web.alerts.tick();
    await page.goto(`${stack.url}/alerts`);
    const alerted = await page.locator('main table tbody tr').allTextContents();
    expect(alerted).toHaveLength(1);
    expect(alerted[0]).toContain('10.4.0.1:80');
    expect(alerted[0]).toContain('127.0.0.1');
    await page.locator('#alert-badge', { hasText: 'Alerts (1)' }).waitFor();
    await screenshot(page, 'alerts');

    await page.goto(`${stack.url}/routes/404/1/calls`);
    await page.waitForSelector('#call-chart canvas');
    // uPlot's data: [buckets, then per host its successes and errors], hosts in the legend's order.
    // (Evaluated in the page, as text: the tests are compiled without the DOM's types.)
    const drawn = await page.evaluate<{ data: number[][]; labels: string[] }>(`(() => {
      const chart = document.getElementById('call-chart').chart;
      return { data: chart.data, labels: chart.series.map((s) => s.label ?? '') };
    })()`);
    const [minutes, ...values] = drawn.data;
    for (const host of ['10.4.0.1:80', '10.4.0.2:80']) {
      const ok = values[drawn.labels.indexOf(`${host} ok`) - 1];
      const err = values[drawn.labels.indexOf(`${host} err`) - 1];
      const mine = rows.filter((r) => `${r.ip}:${r.port}` === host);
      // Every bucket the reporter wrote is drawn with its counts, and nothing else is.
      for (const r of mine) {
        const at = minutes.indexOf(r.minute);
        expect(at, `bucket ${r.minute} of ${host}`).toBeGreaterThanOrEqual(0);
        expect([ok[at], err[at]]).toEqual([r.succ, r.err]);
      }
      const sum = (xs: number[]) => xs.reduce((a, b) => a + (b ?? 0), 0);
      expect([sum(ok), sum(err)]).toEqual([sum(mine.map((r) => r.succ)), sum(mine.map((r) => r.err))]);
    }
    await screenshot(page, 'route-calls-live');
  });

  it('the system page shows the DNS, reporter and agent of the stack as ready', async () => {
    await page.goto(`${stack.url}/system`);
    for (const kind of ['dns', 'reporter', 'agent'])
      expect(await page.locator(`section.daemon.${kind} > p`).first().textContent(), kind).toBe('ready');
    expect(Number(await page.locator('section.daemon.dns td.route-version').textContent())).toBe(
      stack.dns.stats().routeVersion,
    );
    await screenshot(page, 'system');
  });
  it('an admin adds a host on the route page, sees it in the history and the agent; disables it and the agent loses it; deletes it', async () => {
    const route = `${stack.url}/routes/101/1`;
    await page.goto(route);
    await screenshot(page, 'route');
    // Add: the form previews, the confirm page applies.
    await page.fill('form.add-host input[name="ip"]', '10.0.0.9');
    await page.fill('form.add-host input[name="port"]', '9090');
    await page.click('form.add-host button');
    expect(await page.locator('ul.diff').textContent()).toContain('Add 10.0.0.9:9090');
    await screenshot(page, 'route-confirm');
    await page.click('main button:has-text("Confirm")');
    const version = Number(await page.locator('strong.route-version').textContent());
    const [versions] = await stack.db.admin.query('SELECT version FROM RouteVersion WHERE id = 1');
    expect(version).toBe(Number((versions as Array<{ version: number }>)[0].version));
    // The applied page polls the agent until it holds what the store serves.
    await page.locator('#agent-route', { hasText: 'In step with the route store.' }).waitFor({ timeout: 10_000 });
    expect(await page.locator('#agent-route .agent-hosts').textContent()).toContain('10.0.0.9:9090');
    expect(await stack.waitForAgentRoute(101, 1, (h) => h.some((x) => x.ip === '10.0.0.9'))).toContainEqual({
      ip: '10.0.0.9',
      port: 9090,
    });
    await screenshot(page, 'route-applied');

    await page.goto(`${route}/history`);
    const newest = await page.locator('table.history tbody tr').first().textContent();
    expect(newest).toContain(ADMIN.name);
    expect(newest).toContain('+ 10.0.0.9:9090');
    expect(newest).toContain(String(version));
    await screenshot(page, 'history');

    // Disable: the host stays in the route, the agent stops getting it.
    await page.goto(route);
    await page.click('button[name="host-disable"][value="10.0.0.9:9090"]');
    await page.click('main button:has-text("Confirm")');
    await stack.waitForAgentRoute(101, 1, (h) => !h.some((x) => x.ip === '10.0.0.9'));
    await page.goto(route);
    expect(await page.locator('tr.disabled td.host').allTextContents()).toEqual(['10.0.0.9:9090']);

    // Delete it.
    await page.click('button[name="host-del"][value="10.0.0.9:9090"]');
    await page.click('main button:has-text("Confirm")');
    expect(await page.locator('main').textContent()).toContain('Removed 10.0.0.9:9090');
    await page.goto(route);
    expect(await page.locator('table.route-hosts td.host').allTextContents()).toEqual(['10.0.0.1:80']);
  });
});
