// The route history (RouteAudit) through fastify.inject against MariaDB:
// rows written by the console (browser and API token) and by the route
// tool's path (changeRoutes with a cli actor) in the same table, shown per
// route and overall, newest first, a page at a time; bad queries are a 400.
import { changeRoutes, type RouteEdit } from '@lars/store';
import { ipToInt } from '@lars/proto';
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

interface Entry {
  id: number;
  at: string;
  actor: string;
  source: string;
  modid: number;
  cmdid: number;
  added: string[];
  removed: string[];
  disabled: string[];
  enabled: string[];
  version: number;
}

async function cli(edits: RouteEdit[]) {
  const conn = await db.admin.getConnection();
  try {
    return await changeRoutes(conn, edits, { user: 'ops', source: 'cli ops@h1' });
  } finally {
    conn.release();
  }
}

const api = (url: string, auth = `Bearer ${token}`) =>
  web.fastify.inject({ url, headers: auth === '' ? {} : { authorization: auth } });

async function auditCount(): Promise<number> {
  const [[a]] = await db.admin.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM RouteAudit');
  return Number(a.n);
}

let cliVersion = 0;
let webVersion = 0;
let apiVersion = 0;

beforeAll(async () => {
  db = await createWebTestDatabase();
  web = new WebServer({ port: 0, mysql: mysqlOf(db), defaultMetrics: false });
  await web.start();
  accounts = fixtureAccounts(db);
  Object.assign(browsers, await loggedInRoles(web.fastify, accounts));
  token = await fixtureToken(accounts, 'ed', 'deploy');

  // The route tool's path: two routes in one change, so one version, two audit rows.
  cliVersion = (
    await cli([
      { op: 'add', modid: 7, cmdid: 1, ip: ipToInt('10.0.0.1'), port: 80 },
      { op: 'add', modid: 7, cmdid: 1, ip: ipToInt('10.0.0.2'), port: 80 },
      { op: 'add', modid: 8, cmdid: 3, ip: ipToInt('10.0.8.1'), port: 90 },
    ])
  ).version;

  // The console in a browser: preview then confirm a disable of 10.0.0.2.
  const b = browsers.ada;
  const shown = await b.postForm('/routes/7/1/preview', {
    op: 'disable',
    ip: '10.0.0.2',
    port: '80',
    _csrf: await b.pageToken('/routes/7/1'),
  });
  const edits = /name="edits" value="([^"]*)"/.exec(shown.body)![1].replaceAll('&quot;', '"');
  const fingerprint = /name="fingerprint" value="([^"]+)"/.exec(shown.body)![1];
  const applied = await b.postForm('/routes/7/1/apply', { edits, fingerprint, _csrf: formToken(shown.body) });
  if (applied.statusCode !== 200) throw new Error(`apply: ${applied.statusCode} ${applied.body}`);
  webVersion = Number(/<strong class="route-version">(\d+)<\/strong>/.exec(applied.body)![1]);

  // The changes API with a token: replace the host set (one removed, one added).
  const res = await web.fastify.inject({
    method: 'POST',
    url: '/api/routes/7/1/changes',
    headers: { authorization: `Bearer ${token}` },
    payload: {
      edits: [
        {
          op: 'replace',
          hosts: [
            { ip: '10.0.0.2', port: 80 },
            { ip: '10.0.0.3', port: 80 },
          ],
        },
      ],
    },
  });
  if (res.statusCode !== 200) throw new Error(`changes: ${res.statusCode} ${res.body}`);
  apiVersion = res.json().version;
});
afterAll(async () => {
  await web?.close();
  await db?.drop();
});

describe('GET /api/history', () => {
  it('one route, newest first: who, from where, what changed, the resulting version', async () => {
    const res = await api('/api/history?modid=7&cmdid=1');
    expect(res.statusCode, res.body).toBe(200);
    const { entries, before } = res.json() as { entries: Entry[]; before?: number };
    expect(before).toBeUndefined();
    expect(entries.map(({ id: _id, at: _at, ...rest }) => rest)).toEqual([
      {
        actor: 'ed',
        source: 'api 127.0.0.1',
        modid: 7,
        cmdid: 1,
        added: ['10.0.0.3:80'],
        removed: ['10.0.0.1:80'],
        disabled: [],
        enabled: [],
        version: apiVersion,
      },
      {
        actor: 'ada',
        source: 'web 127.0.0.1',
        modid: 7,
        cmdid: 1,
        added: [],
        removed: [],
        disabled: ['10.0.0.2:80'],
        enabled: [],
        version: webVersion,
      },
      {
        actor: 'ops',
        source: 'cli ops@h1',
        modid: 7,
        cmdid: 1,
        added: ['10.0.0.1:80', '10.0.0.2:80'],
        removed: [],
        disabled: [],
        enabled: [],
        version: cliVersion,
      },
    ]);
    expect(cliVersion).toBeLessThan(webVersion);
    expect(webVersion).toBeLessThan(apiVersion);
    for (const e of entries) expect(Number.isNaN(Date.parse(e.at)), e.at).toBe(false);
  });

  it('overall holds every route; a modid alone narrows to its routes', async () => {
    const all = (await api('/api/history')).json().entries as Entry[];
    expect(all.map((e) => `${e.modid}/${e.cmdid} ${e.actor}`)).toEqual(['7/1 ed', '7/1 ada', '8/3 ops', '7/1 ops']);
    expect(all.find((e) => e.modid === 8)).toMatchObject({ added: ['10.0.8.1:90'], version: cliVersion });
    const eight = (await api('/api/history?modid=8')).json().entries as Entry[];
    expect(eight.map((e) => `${e.modid}/${e.cmdid}`)).toEqual(['8/3']);
    expect((await api('/api/history?modid=9')).json()).toEqual({ entries: [] });
  });

  it('pages by `before`: a full page says where the next starts, and the pages cover every row once', async () => {
    const first = (await api('/api/history?limit=3')).json() as { entries: Entry[]; before?: number };
    expect(first.entries).toHaveLength(3);
    expect(first.before).toBe(first.entries[2].id);
    const second = (await api(`/api/history?limit=3&before=${first.before}`)).json() as {
      entries: Entry[];
      before?: number;
    };
    expect(second.before).toBeUndefined();
    const ids = [...first.entries, ...second.entries].map((e) => e.id);
    expect(ids).toHaveLength(await auditCount());
    expect([...ids].sort((a, b) => b - a)).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('every role reads it; without a login it is a 401; a bad query is a 400 naming the field', async () => {
    for (const who of ['vera', 'ed', 'ada']) expect((await browsers[who].get('/api/history')).statusCode).toBe(200);
    expect((await api('/api/history', '')).statusCode).toBe(401);
    expect((await api('/api/history', 'Bearer lars_nope')).statusCode).toBe(401);
    const cases: [string, string][] = [
      ['/api/history?modid=abc', 'modid: must be integer'],
      ['/api/history?modid=2147483648', 'modid: must be <= 2147483647'],
      ['/api/history?cmdid=1', 'must have property modid when property cmdid is present'],
      ['/api/history?limit=1001', 'limit: must be <= 1000'],
      ['/api/history?limit=0', 'limit: must be >= 1'],
      ['/api/history?before=0', 'before: must be >= 1'],
      [`/api/history?modid=${'1'.repeat(5000)}`, 'modid: is too large a number'],
      [`/api/history?before=${'9'.repeat(400)}`, 'before: is too large a number'],
      ['/api/history?who=ed', 'must NOT have additional properties'],
    ];
    for (const [url, message] of cases) {
      const res = await api(url);
      expect(res.statusCode, `${url.slice(0, 40)} ${res.body}`).toBe(400);
      expect(res.json().message, url).toContain(message);
    }
  });
});

describe('the history pages', () => {
  it('/history shows every change with who, where from, the route link, the changes and the version', async () => {
    const res = await browsers.vera.get('/history');
    expect(res.statusCode).toBe(200);
    for (const text of [
      '<td>ops</td>',
      '<td>cli ops@h1</td>',
      '<td>ada</td>',
      '<td>web 127.0.0.1</td>',
      '<td>api 127.0.0.1</td>',
      '<a href="/routes/7/1">7/1</a>',
      '<a href="/routes/8/3">8/3</a>',
      '<span class="host change-disabled">disabled 10.0.0.2:80</span>',
      '<span class="host change-added">+ 10.0.0.3:80</span>',
      '<span class="host change-removed">− 10.0.0.1:80</span>',
      `<td>${apiVersion}</td>`,
      `<td>${cliVersion}</td>`,
    ])
      expect(res.body, text).toContain(text);
    expect(res.body).not.toContain('Older changes');
    // The layout's nav links here.
    expect(res.body).toContain('href="/history"');
  });

  it('/routes/M/C/history shows that route only and links back to it', async () => {
    const res = await browsers.vera.get('/routes/8/3/history');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('History of 8/3');
    expect(res.body).toContain('<a href="/routes/8/3">Route 8/3</a>');
    expect(res.body).toContain('+ 10.0.8.1:90');
    expect(res.body).not.toContain('10.0.0.1:80');
    const none = await browsers.vera.get('/routes/9/9/history');
    expect(none.body).toContain('No route change recorded for this route.');
  });

  it('a full page links to the older ones, which continue where it stopped', async () => {
    // 50 a page: 51 more changes of route 9/1 fill one and start the next.
    for (let i = 0; i < 51; i++) await cli([{ op: 'add', modid: 9, cmdid: 1, ip: ipToInt('10.9.0.1'), port: 1 + i }]);
    const first = await browsers.vera.get('/routes/9/1/history');
    const older = /<a href="(\/routes\/9\/1\/history\?before=\d+)">Older changes<\/a>/.exec(first.body);
    expect(older, 'older link').not.toBeNull();
    expect(first.body).toContain('+ 10.9.0.1:51');
    expect(first.body).not.toContain('+ 10.9.0.1:1<');
    const second = await browsers.vera.get(older![1]);
    expect(second.statusCode).toBe(200);
    expect(second.body).toContain('+ 10.9.0.1:1<');
    expect(second.body).not.toContain('+ 10.9.0.1:2<');
    expect(second.body).not.toContain('Older changes');
    const overall = await browsers.vera.get('/history');
    expect(overall.body).toMatch(/<a href="\/history\?before=\d+">Older changes<\/a>/);
  });

  it('a bad page parameter is a 400 page; without a login the page asks for one', async () => {
    const bad = await browsers.vera.get('/history?before=abc');
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('before: must be integer');
    expect((await browsers.vera.get('/routes/abc/1/history')).statusCode).toBe(400);
    const anon = await web.fastify.inject({ url: '/history' });
    expect(anon.statusCode).toBe(303);
    expect(anon.headers.location).toBe('/login?next=%2Fhistory');
  });
});
