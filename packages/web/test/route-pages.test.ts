// The route page, its preview / confirm / apply flow, the changes API and the
// history, through fastify.inject against MariaDB: every change goes through
// changeRoutes (RouteData, RouteVersion, RouteAudit in one transaction), a
// preview writes nothing, and what is refused changes nothing.
import { changeRoutes } from '@lars/store';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestDatabase } from '../../../test-support/db.js';
import type { Accounts } from '../src/accounts.js';
import { WebServer } from '../src/web-server.js';
import { type BrowserClient, formToken } from './web-client.js';
import { createWebTestDatabase, fixtureAccounts, fixtureToken, loggedInRoles, mysqlOf } from './web-test-db.js';

let db: TestDatabase;
let web: WebServer;
let accounts: Accounts;
let token: string;
const browsers: Record<string, BrowserClient> = {};

/** RouteData of 5/1, RouteVersion and RouteAudit's row count: what must stay put when a request is refused. */
async function tables() {
  const [hosts] = await db.admin.query<RowDataPacket[]>(
    'SELECT INET_NTOA(serverip) AS ip, serverport AS port, disabled FROM RouteData WHERE modid = 5 ORDER BY serverip, serverport',
  );
  const [[v]] = await db.admin.query<RowDataPacket[]>('SELECT version FROM RouteVersion WHERE id = 1');
  const [[a]] = await db.admin.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM RouteAudit');
  return {
    hosts: hosts.map((h) => `${h.ip}:${h.port}${Number(h.disabled) ? ' disabled' : ''}`),
    version: Number(v.version),
    audits: Number(a.n),
  };
}

async function preview(who: string, fields: Record<string, string>) {
  const b = browsers[who];
  return b.postForm('/routes/5/1/preview', { ...fields, _csrf: await b.pageToken('/routes/5/1') });
}

/** Preview then confirm, as the browser does; the apply response. */
async function previewAndApply(who: string, fields: Record<string, string>) {
  const shown = await preview(who, fields);
  expect(shown.statusCode, shown.body).toBe(200);
  const edits = /name="edits" value="([^"]*)"/.exec(shown.body)![1].replaceAll('&quot;', '"');
  const fingerprint = /name="fingerprint" value="([^"]+)"/.exec(shown.body)![1];
  return browsers[who].postForm('/routes/5/1/apply', { edits, fingerprint, _csrf: formToken(shown.body) });
}

beforeAll(async () => {
  db = await createWebTestDatabase();
  web = new WebServer({ port: 0, mysql: mysqlOf(db), defaultMetrics: false, agent: { host: '127.0.0.1', port: 9 } });
  await web.start();
  accounts = fixtureAccounts(db);
  Object.assign(browsers, await loggedInRoles(web.fastify, accounts));
  token = await fixtureToken(accounts, 'ed', 'deploy');
  const conn = await db.admin.getConnection();
  await changeRoutes(conn, [{ op: 'add', modid: 5, cmdid: 1, ip: 0x0a000001, port: 80 }], {
    user: 'ops',
    source: 'cli ops@h1',
  });
  conn.release();
});
afterAll(async () => {
  await web?.close();
  await db?.drop();
});

describe('the route page', () => {
  it('shows the hosts and the version to every role; forms only to editors and up', async () => {
    const before = await tables();
    for (const who of ['vera', 'ed', 'ada']) {
      const res = await browsers[who].get('/routes/5/1');
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('10.0.0.1:80');
      expect(res.body).toContain(`<span class="route-version">${before.version}</span>`);
      expect(res.body.includes('action="/routes/5/1/preview"'), who).toBe(who !== 'vera');
    }
    const api = await web.fastify.inject({ url: '/api/routes/5/1', headers: { authorization: `Bearer ${token}` } });
    expect(api.json()).toMatchObject({
      modid: 5,
      cmdid: 1,
      version: before.version,
      hosts: [{ ip: '10.0.0.1', port: 80, disabled: false }],
      agent: { configured: true, agent: '127.0.0.1:9', ok: false },
    });
  });

  it('an agent that does not answer is said on the agent panel; the page still renders', async () => {
    const res = await browsers.vera.get('/routes/5/1/agent');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('agent 127.0.0.1:9 did not answer');
  });
});

describe('changing a route in the browser', () => {
  it('a preview shows the diff and writes nothing; confirming applies it with the user as actor', async () => {
    const before = await tables();
    const shown = await preview('ed', { op: 'add', ip: '10.0.0.2', port: '80' });
    expect(shown.body).toContain('Add <span class="host">10.0.0.2:80</span>');
    expect(await tables()).toEqual(before);

    const applied = await previewAndApply('ed', { op: 'add', ip: '10.0.0.2', port: '80' });
    expect(applied.statusCode, applied.body).toBe(200);
    const after = await tables();
    expect(after.hosts).toEqual(['10.0.0.1:80', '10.0.0.2:80']);
    expect(after.version).toBeGreaterThan(before.version);
    expect(after.audits).toBe(before.audits + 1);
    expect(applied.body).toContain(`<strong class="route-version">${after.version}</strong>`);
    const [[audit]] = await db.admin.query<RowDataPacket[]>(
      'SELECT actor, source, version FROM RouteAudit ORDER BY id DESC LIMIT 1',
    );
    expect(audit).toMatchObject({ actor: 'ed', source: 'web 127.0.0.1', version: after.version });
    expect(web.stats().routeChanges).toBe(1);
  });

  it('disable, enable, edit (one change: delete and add), replace and delete the route', async () => {
    await previewAndApply('ada', { op: 'disable', ip: '10.0.0.2', port: '80' });
    expect((await tables()).hosts).toEqual(['10.0.0.1:80', '10.0.0.2:80 disabled']);
    await previewAndApply('ada', { op: 'enable', ip: '10.0.0.2', port: '80' });
    const audits = (await tables()).audits;
    await previewAndApply('ada', { op: 'edit', old_ip: '10.0.0.2', old_port: '80', ip: '10.0.0.3', port: '81' });
    expect(await tables()).toMatchObject({ hosts: ['10.0.0.1:80', '10.0.0.3:81'], audits: audits + 1 });
    await previewAndApply('ada', { op: 'replace', hosts: '10.0.0.1:80\n10.0.0.9:90\n' });
    expect((await tables()).hosts).toEqual(['10.0.0.1:80', '10.0.0.9:90']);
    await previewAndApply('ada', { op: 'del-route' });
    expect((await tables()).hosts).toEqual([]);
    await previewAndApply('ada', { op: 'add', ip: '10.0.0.1', port: '80' });
  });

  it('a no-op says so and offers no confirm', async () => {
    const res = await preview('ed', { op: 'add', ip: '10.0.0.1', port: '80' });
    expect(res.body).toContain('Nothing would change');
    expect(res.body).not.toContain('action="/routes/5/1/apply"');
  });

  it('a confirm after someone else changed the route is refused (409) and writes nothing', async () => {
    const shown = await preview('ed', { op: 'add', ip: '10.0.0.5', port: '80' });
    const conn = await db.admin.getConnection();
    await changeRoutes(conn, [{ op: 'add', modid: 5, cmdid: 1, ip: 0x0a000006, port: 80 }], {
      user: 'ops',
      source: 'cli',
    });
    conn.release();
    const before = await tables();
    const edits = /name="edits" value="([^"]*)"/.exec(shown.body)![1].replaceAll('&quot;', '"');
    const fingerprint = /name="fingerprint" value="([^"]+)"/.exec(shown.body)![1];
    const res = await browsers.ed.postForm('/routes/5/1/apply', { edits, fingerprint, _csrf: formToken(shown.body) });
    expect(res.statusCode).toBe(409);
    expect(res.body).toContain('the route changed since this change was previewed');
    expect(await tables()).toEqual(before);
  });

  it('a viewer, a missing CSRF token and bad input are refused with a clear message and change nothing', async () => {
    const before = await tables();
    const viewer = await preview('vera', { op: 'add', ip: '10.0.0.7', port: '80' });
    expect(viewer.statusCode).toBe(403);
    const noCsrf = await browsers.ed.postForm('/routes/5/1/preview', { op: 'add', ip: '10.0.0.7', port: '80' });
    expect(noCsrf.statusCode).toBe(403);
    const cases: [string, Record<string, string>, string][] = [
      [
        '/routes/5/1/preview',
        { op: 'add', ip: '300.1.1.1', port: '80' },
        'ip: &quot;300.1.1.1&quot; is not a dotted IPv4 address',
      ],
      [
        '/routes/5/1/preview',
        { op: 'add', ip: '10.0.0.7', port: '70000' },
        'port: &quot;70000&quot; is not a port 1..65535',
      ],
      ['/routes/abc/1/preview', { op: 'add', ip: '10.0.0.7', port: '80' }, 'modid: must be integer'],
      [
        '/routes/5/1/preview',
        { op: 'add', ip: 'x'.repeat(5000), port: '80' },
        'ip: must NOT have more than 64 characters',
      ],
    ];
    for (const [url, fields, message] of cases) {
      const res = await browsers.ed.postForm(url, { ...fields, _csrf: await browsers.ed.pageToken('/routes/5/1') });
      expect(res.statusCode, url).toBe(400);
      expect(res.body).toContain(message);
    }
    expect(await tables()).toEqual(before);
  });
});

describe('the changes API (a pipeline with a token)', () => {
  const post = (body: unknown, auth = `Bearer ${token}`) =>
    web.fastify.inject({
      method: 'POST',
      url: '/api/routes/5/1/changes',
      headers: { authorization: auth },
      payload: body as object,
    });

  it('dryRun answers the diff and writes nothing; without it the change is applied and audited as the API', async () => {
    const before = await tables();
    const dry = await post({ edits: [{ op: 'add', ip: '10.0.0.8', port: 80 }], dryRun: true });
    expect(dry.json()).toEqual({
      dryRun: true,
      version: before.version,
      changed: true,
      added: ['10.0.0.8:80'],
      removed: [],
      disabled: [],
      enabled: [],
    });
    expect(await tables()).toEqual(before);
    const done = await post({
      edits: [
        { op: 'add', ip: '10.0.0.8', port: 80 },
        { op: 'disable', ip: '10.0.0.8', port: 80 },
      ],
    });
    expect(done.statusCode, done.body).toBe(200);
    const after = await tables();
    expect(done.json()).toMatchObject({
      dryRun: false,
      changed: true,
      version: after.version,
      added: ['10.0.0.8:80'],
      disabled: ['10.0.0.8:80'],
    });
    const [[audit]] = await db.admin.query<RowDataPacket[]>(
      'SELECT actor, source FROM RouteAudit ORDER BY id DESC LIMIT 1',
    );
    expect(audit).toEqual({ actor: 'ed', source: 'api 127.0.0.1' });
  });

  it('bad edits are a 400 naming the field, a viewer token is refused, and nothing changes', async () => {
    const before = await tables();
    expect((await post({ edits: [{ op: 'add', ip: '300.1.1.1', port: 80 }] })).json().message).toBe(
      'edits[0].ip: "300.1.1.1" is not a dotted IPv4 address (such as 10.0.0.7)',
    );
    expect((await post({ edits: [{ op: 'add', ip: '10.0.0.9', port: 70000 }] })).json().message).toBe(
      'edits[0].port: 70000 is not a port 1..65535',
    );
    expect((await post({ edits: [{ op: 'grow' }] })).statusCode).toBe(400);
    expect((await post({ edits: [], fingerprint: 'stale' })).statusCode).toBe(409);
    const viewerToken = await fixtureToken(accounts, 'vera', 'read');
    expect((await post({ edits: [{ op: 'del-route' }] }, `Bearer ${viewerToken}`)).statusCode).toBe(403);
    expect(await tables()).toEqual(before);
  });
});

describe('history', () => {
  it('lists the console changes and the route tool change, per route and overall, newest first', async () => {
    const api = await web.fastify.inject({
      url: '/api/history?modid=5&cmdid=1&limit=1000',
      headers: { authorization: `Bearer ${token}` },
    });
    const entries = api.json().entries as { actor: string; source: string; added: string[] }[];
    expect(entries.at(-1)).toMatchObject({ actor: 'ops', source: 'cli ops@h1', added: ['10.0.0.1:80'] });
    expect(entries[0]).toMatchObject({ actor: 'ed', source: 'api 127.0.0.1', added: ['10.0.0.8:80'] });
    expect(new Set(entries.map((e) => e.actor))).toEqual(new Set(['ops', 'ed', 'ada']));
    const page = await browsers.vera.get('/routes/5/1/history');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('web 127.0.0.1');
    expect(page.body).toContain('cli ops@h1');
    const all = await browsers.vera.get('/history');
    expect(all.body).toContain('<a href="/routes/5/1">5/1</a>');
    const paged = await web.fastify.inject({
      url: '/api/history?limit=2',
      headers: { authorization: `Bearer ${token}` },
    });
    const next = await web.fastify.inject({
      url: `/api/history?limit=2&before=${paged.json().before}`,
      headers: { authorization: `Bearer ${token}` },
    });
    expect(next.json().entries[0].id).toBeLessThan(paged.json().entries[1].id);
    expect(
      (await web.fastify.inject({ url: '/api/history?cmdid=1', headers: { authorization: `Bearer ${token}` } }))
        .statusCode,
    ).toBe(400);
  });
});
