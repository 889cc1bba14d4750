import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestDatabase } from '../../../test-support/db.js';
import type { Accounts } from '../src/accounts.js';
import { SESSION_COOKIE } from '../src/auth.js';
import { WebServer } from '../src/web-server.js';
import { BrowserClient } from './web-client.js';
import { createWebTestDatabase, fixtureAccounts, mysqlOf } from './web-test-db.js';

let db: TestDatabase;
let web: WebServer;
let accounts: Accounts;
let clock = 1_800_000_000_000;
const now = () => clock;
const TTL_MS = 3_600_000;
const WINDOW_MS = 600_000;

const ROUTES = [
  {
    modid: 1,
    cmdid: 1,
    hosts: [
      { ip: '10.0.0.1', port: 80, disabled: false },
      { ip: '10.0.0.2', port: 80, disabled: false },
    ],
  },
  { modid: 1, cmdid: 2, hosts: [{ ip: '10.0.0.1', port: 81, disabled: false }] },
  { modid: 7, cmdid: 3, hosts: [{ ip: '192.168.1.177', port: 9000, disabled: false }] },
];

beforeAll(async () => {
  db = await createWebTestDatabase();
  for (const r of ROUTES)
    for (const h of r.hosts)
      await db.admin.query(
        'INSERT INTO RouteData (modid, cmdid, serverip, serverport) VALUES (?, ?, INET_ATON(?), ?)',
        [r.modid, r.cmdid, h.ip, h.port],
      );
  web = new WebServer({
    port: 0,
    mysql: mysqlOf(db),
    defaultMetrics: false,
    now,
    sessionTtlMs: TTL_MS,
    loginAttempts: 3,
    loginWindowMs: WINDOW_MS,
  });
  await web.start();
  accounts = fixtureAccounts(db, now);
});
afterAll(async () => {
  await web?.close();
  await db?.drop();
});

describe('before the first user', () => {
  it('the login page says how to create the first one, and every page leads there', async () => {
    const browser = new BrowserClient(web.fastify);
    const login = await browser.get('/login');
    expect(login.statusCode).toBe(200);
    expect(login.body).toContain('No console user exists yet');
    expect(login.body).toContain('./run_lars.sh web-user add NAME admin');
    const routes = await browser.get('/routes');
    expect(routes.statusCode).toBe(303);
    expect(routes.headers.location).toBe('/login?next=%2Froutes');
    const api = await browser.get('/api/routes');
    expect(api.statusCode).toBe(401);
    expect(api.json()).toEqual({
      error: 'unauthenticated',
      message: 'log in, or send Authorization: Bearer <API token>',
    });
  });
});

describe('an htmx request without a session', () => {
  it('is 401 with HX-Redirect to the login page, back to the page it came from, not a login page to swap in', async () => {
    const res = await new BrowserClient(web.fastify).request({
      method: 'GET',
      url: '/routes?q=1',
      headers: { 'hx-request': 'true', 'hx-current-url': 'http://127.0.0.1:7780/routes?q=1' },
    });
    expect(res.statusCode).toBe(401);
    expect(res.headers['hx-redirect']).toBe('/login?next=%2Froutes%3Fq%3D1');
    expect(res.body).toBe('');
  });
});

describe('login', () => {
  beforeAll(async () => {
    await accounts.add('vera', 'viewer', 'vera-password');
    await accounts.add('ed', 'editor', 'ed-password1');
    await accounts.add('ada', 'admin', 'ada-password');
  });

  it('a right password gives a session cookie: HttpOnly, SameSite=Strict, not Secure on plain http; stored hashed in MySQL', async () => {
    const before = web.counters.logins;
    const browser = new BrowserClient(web.fastify);
    const first = await browser.get('/login');
    expect(first.body).not.toContain('No console user exists yet');
    const res = await browser.login('vera', 'vera-password');
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/routes');
    const setCookie = ([] as string[])
      .concat(res.headers['set-cookie'] ?? [])
      .find((c) => c.startsWith(`${SESSION_COOKIE}=`));
    expect(setCookie).toBeDefined();
    expect(setCookie).toMatch(/; HttpOnly/);
    expect(setCookie).toMatch(/; SameSite=Strict/);
    expect(setCookie).toMatch(/; Path=\//);
    expect(setCookie).not.toMatch(/Secure/);
    expect(web.counters.logins).toBe(before + 1);

    const token = browser.cookies.get(SESSION_COOKIE)!;
    const [rows] = await db.admin.query<RowDataPacket[]>(
      'SELECT s.id, s.expires, s.address, u.name FROM WebSession s JOIN WebUser u ON u.id = s.user_id WHERE u.name = ?',
      ['vera'],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0].id.toString('base64url')).not.toBe(token);
    expect(Number(rows[0].expires)).toBe(clock + TTL_MS);
    expect(rows[0].address).toBe('127.0.0.1');

    const page = await browser.get('/routes');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('vera (viewer)');
  });

  it('a wrong password or an unknown user: 401 with one message for both, counted', async () => {
    const before = web.counters.loginFailures;
    const browser = new BrowserClient(web.fastify, '10.1.0.1');
    const wrong = await browser.login('ed', 'not-the-password');
    expect(wrong.statusCode).toBe(401);
    expect(wrong.body).toContain('Wrong user name or password.');
    const unknown = await browser.login('nobody', 'not-the-password');
    expect(unknown.statusCode).toBe(401);
    expect(unknown.body).toContain('Wrong user name or password.');
    expect(browser.cookies.has(SESSION_COOKIE)).toBe(false);
    expect(web.counters.loginFailures).toBe(before + 2);
  });

  it('is rate-limited per user: after 3 failures even the right password is refused (429) until the window ends', async () => {
    const limitedBefore = web.counters.loginsLimited;
    // Each attempt from its own address: only the per-user count can stop them.
    for (let i = 0; i < 3; i++) {
      expect((await new BrowserClient(web.fastify, `10.2.0.${i}`).login('ada', 'guess')).statusCode).toBe(401);
    }
    const limited = await new BrowserClient(web.fastify, '10.2.0.9').login('ada', 'ada-password');
    expect(limited.statusCode).toBe(429);
    expect(limited.body).toContain('Too many failed logins');
    expect(web.counters.loginsLimited).toBe(limitedBefore + 1);
    clock += WINDOW_MS;
    expect((await new BrowserClient(web.fastify, '10.2.0.9').login('ada', 'ada-password')).statusCode).toBe(303);
  });

  it('is rate-limited per address: 3 failures on 3 names from one address, then a 4th name is refused', async () => {
    const browser = new BrowserClient(web.fastify, '10.3.0.1');
    for (const name of ['n1', 'n2', 'n3']) expect((await browser.login(name, 'guess')).statusCode).toBe(401);
    expect((await browser.login('ed', 'ed-password1')).statusCode).toBe(429);
    expect((await new BrowserClient(web.fastify, '10.3.0.2').login('ed', 'ed-password1')).statusCode).toBe(303);
    clock += WINDOW_MS;
  });

  it('a login POST without the login form token is refused (403) and counted', async () => {
    const before = web.counters.csrfRefused;
    const browser = new BrowserClient(web.fastify);
    const res = await browser.postForm('/login', { name: 'vera', password: 'vera-password' });
    expect(res.statusCode).toBe(403);
    expect(res.body).toContain('CSRF token missing or wrong');
    await browser.get('/login');
    const forged = await browser.postForm('/login', { name: 'vera', password: 'vera-password', _csrf: 'forged' });
    expect(forged.statusCode).toBe(403);
    expect(browser.cookies.has(SESSION_COOKIE)).toBe(false);
    expect(web.counters.csrfRefused).toBe(before + 2);
  });
});

describe('sessions', () => {
  it('logout needs the CSRF token, then deletes the session: the old cookie no longer works', async () => {
    const browser = new BrowserClient(web.fastify);
    expect((await browser.login('ed', 'ed-password1')).statusCode).toBe(303);
    const token = browser.cookies.get(SESSION_COOKIE)!;
    const refused = await browser.postForm('/logout', {});
    expect(refused.statusCode).toBe(403);
    expect((await browser.get('/routes')).statusCode).toBe(200);

    const out = await browser.postForm('/logout', { _csrf: await browser.pageToken() });
    expect(out.statusCode).toBe(303);
    expect(out.headers.location).toBe('/login');
    expect(browser.cookies.has(SESSION_COOKIE)).toBe(false);
    const replay = await web.fastify.inject({ url: '/routes', headers: { cookie: `${SESSION_COOKIE}=${token}` } });
    expect(replay.statusCode).toBe(303);
  });

  it('live in MySQL: a second console instance on the same database accepts the cookie', async () => {
    const browser = new BrowserClient(web.fastify);
    await browser.login('vera', 'vera-password');
    const other = new WebServer({ port: 0, mysql: mysqlOf(db), defaultMetrics: false, now });
    await other.start();
    try {
      const res = await other.fastify.inject({
        url: '/api/me',
        headers: { cookie: `${SESSION_COOKIE}=${browser.cookies.get(SESSION_COOKIE)}` },
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ name: 'vera', role: 'viewer' });
    } finally {
      await other.close();
    }
  });

  it('with secure_cookies the session cookie is Secure and HSTS is sent (behind TLS)', async () => {
    const tls = new WebServer({ port: 0, mysql: mysqlOf(db), defaultMetrics: false, now, secureCookies: true });
    await tls.start();
    try {
      const res = await new BrowserClient(tls.fastify).login('vera', 'vera-password');
      expect(res.statusCode).toBe(303);
      const setCookie = ([] as string[])
        .concat(res.headers['set-cookie'] ?? [])
        .find((c) => c.startsWith(`${SESSION_COOKIE}=`));
      expect(setCookie).toMatch(/; Secure/);
      expect(res.headers['strict-transport-security']).toMatch(/^max-age=\d+/);
      expect((await web.fastify.inject({ url: '/login' })).headers['strict-transport-security']).toBeUndefined();
    } finally {
      await tls.close();
    }
  });

  it('expire session_ttl after the last request', async () => {
    const browser = new BrowserClient(web.fastify);
    await browser.login('vera', 'vera-password');
    clock += TTL_MS - 1;
    expect((await browser.get('/api/me')).statusCode).toBe(200);
    // That request pushed the expiry forward (touched at most once a minute).
    clock += TTL_MS - 1;
    expect((await browser.get('/api/me')).statusCode).toBe(200);
    clock += TTL_MS;
    expect((await browser.get('/api/me')).statusCode).toBe(401);
  });
});

describe('roles and API tokens on the API', () => {
  const as = async (name: string, password: string) => {
    const b = new BrowserClient(web.fastify);
    expect((await b.login(name, password)).statusCode).toBe(303);
    return b;
  };

  it('GET /api/routes: RouteData grouped by route, for viewer, editor, admin and an API token', async () => {
    const token = await accounts.createToken((await accounts.find('vera'))!, 'ci');
    if (!token.ok) throw new Error('no token');
    const answers = [
      await (await as('vera', 'vera-password')).get('/api/routes'),
      await (await as('ed', 'ed-password1')).get('/api/routes'),
      await (await as('ada', 'ada-password')).get('/api/routes'),
      await web.fastify.inject({ url: '/api/routes', headers: { authorization: `Bearer ${token.token}` } }),
    ];
    for (const res of answers) {
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ routes: ROUTES, hostCount: 4, truncated: false });
    }
    const filtered = await web.fastify.inject({
      url: '/api/routes?ip=10.0.0.1&limit=2',
      headers: { authorization: `Bearer ${token.token}` },
    });
    expect(filtered.json()).toEqual({ routes: ROUTES.slice(0, 1), hostCount: 2, truncated: true });
  });

  it('admin-only GET /api/users: viewer and editor 403, admin 200; an API token acts with its owner role', async () => {
    const vera = await as('vera', 'vera-password');
    const denied = await vera.get('/api/users');
    expect(denied.statusCode).toBe(403);
    expect(denied.json()).toEqual({ error: 'forbidden', message: 'this needs the admin role; vera is viewer' });
    expect((await (await as('ed', 'ed-password1')).get('/api/users')).statusCode).toBe(403);
    const ok = await (await as('ada', 'ada-password')).get('/api/users');
    expect(ok.statusCode).toBe(200);
    expect(ok.json().users.map((u: { name: string }) => u.name)).toEqual(['ada', 'ed', 'vera']);

    const adaToken = await accounts.createToken((await accounts.find('ada'))!, 'ops');
    const edToken = await accounts.createToken((await accounts.find('ed'))!, 'ops');
    if (!adaToken.ok || !edToken.ok) throw new Error('no token');
    const bearer = (t: string) => ({ url: '/api/users', headers: { authorization: `Bearer ${t}` } });
    expect((await web.fastify.inject(bearer(adaToken.token))).statusCode).toBe(200);
    expect((await web.fastify.inject(bearer(edToken.token))).statusCode).toBe(403);
    const bad = await web.fastify.inject(bearer('lars_not-a-real-token'));
    expect(bad.statusCode).toBe(401);
    expect(bad.json().error).toBe('bad_token');
  });

  it('a state-changing API call: a session needs the CSRF token, an API token needs none', async () => {
    const ed = await as('ed', 'ed-password1');
    const refused = await ed.request({ method: 'POST', url: '/api/tokens', payload: { name: 'from-browser' } });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error).toBe('csrf');
    const withToken = await ed.request({
      method: 'POST',
      url: '/api/tokens',
      payload: { name: 'from-browser' },
      headers: { 'x-csrf-token': await ed.pageToken() },
    });
    expect(withToken.statusCode).toBe(201);
    const minted = withToken.json().token as string;

    const byToken = await web.fastify.inject({
      method: 'POST',
      url: '/api/tokens',
      payload: { name: 'from-pipeline' },
      headers: { authorization: `Bearer ${minted}` },
    });
    expect(byToken.statusCode).toBe(201);
    const names = (await accounts.listTokens((await accounts.find('ed'))!)).map((t) => t.name);
    expect(names).toEqual(['from-browser', 'from-pipeline', 'ops']);
  });
});

describe('the API tokens page', () => {
  it('creates a token shown once, which then works as Bearer with the owner role; delete ends it', async () => {
    const ed = new BrowserClient(web.fastify);
    await ed.login('ed', 'ed-password1');
    const csrf = await ed.pageToken('/tokens');
    expect((await ed.postForm('/tokens', { name: 'pipeline' })).statusCode).toBe(403);
    const created = await ed.postForm('/tokens', { name: 'pipeline', _csrf: csrf });
    expect(created.statusCode).toBe(201);
    const token = /<pre class="token">(lars_[A-Za-z0-9_-]+)<\/pre>/.exec(created.body)?.[1];
    expect(token).toBeDefined();
    const listed = await ed.get('/tokens');
    expect(listed.body).toContain('<td>pipeline</td>');
    expect(listed.body).not.toContain(token);
    const me = await web.fastify.inject({ url: '/api/me', headers: { authorization: `Bearer ${token}` } });
    expect(me.json()).toEqual({ name: 'ed', role: 'editor' });

    const id = (await accounts.listTokens((await accounts.find('ed'))!)).find((t) => t.name === 'pipeline')!.id;
    expect((await ed.postForm(`/tokens/${id}/delete`, { _csrf: csrf })).statusCode).toBe(303);
    expect(
      (await web.fastify.inject({ url: '/api/me', headers: { authorization: `Bearer ${token}` } })).statusCode,
    ).toBe(401);
    // Someone else's token id is not found, not deleted.
    const vera = new BrowserClient(web.fastify);
    await vera.login('vera', 'vera-password');
    const adaTokens = await accounts.listTokens((await accounts.find('ada'))!);
    const other = await vera.postForm(`/tokens/${adaTokens[0].id}/delete`, { _csrf: await vera.pageToken('/tokens') });
    expect(other.statusCode).toBe(404);
    expect(await accounts.listTokens((await accounts.find('ada'))!)).toHaveLength(adaTokens.length);
  });
});

describe('bad input gets a clear message and changes nothing', () => {
  let bearer: Record<string, string>;
  beforeAll(async () => {
    const t = await accounts.createToken((await accounts.find('ada'))!, 'input-checks');
    if (!t.ok) throw new Error('no token');
    bearer = { authorization: `Bearer ${t.token}` };
  });
  const get = (url: string) => web.fastify.inject({ url, headers: bearer });

  it('on the API: 400 with the field and what it must be', async () => {
    const cases: [string, string][] = [
      ['/api/routes?modid=abc', 'modid: must be integer'],
      ['/api/routes?modid=99999999999', 'modid: must be <= 2147483647'],
      ['/api/routes?cmdid=-1', 'cmdid: must be >= 0'],
      ['/api/routes?ip=300.1.1.1', 'ip: must match format "ipv4"'],
      ['/api/routes?limit=0', 'limit: must be >= 1'],
      ['/api/routes?colour=red', 'querystring: must NOT have additional properties'],
    ];
    for (const [url, message] of cases) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(400);
      expect(res.json(), url).toEqual({ error: 'bad_request', message });
    }
    const longName = await web.fastify.inject({
      method: 'POST',
      url: '/api/tokens',
      payload: { name: 'x'.repeat(5000) },
      headers: bearer,
    });
    expect(longName.statusCode).toBe(400);
    expect(longName.json()).toEqual({ error: 'bad_request', message: 'name: must NOT have more than 64 characters' });
    const [rows] = await db.admin.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM ApiToken WHERE LENGTH(name) > 64');
    expect(Number(rows[0].n)).toBe(0);
  });

  it('on the page: the search says what it takes', async () => {
    const browser = new BrowserClient(web.fastify);
    await browser.login('vera', 'vera-password');
    const bad = await browser.get('/routes?q=abc');
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('search by modid (12), modid and cmdid (12 3 or 12/3), or a host address (10.0.0.7)');
    const long = await browser.get(`/routes?q=${'9'.repeat(5000)}`);
    expect(long.statusCode).toBe(400);
    expect(long.body).toContain('q: must NOT have more than 100 characters');
  });
});

describe('the routes page', () => {
  it('lists routes grouped, searches by modid, modid and cmdid, or host; htmx gets the table alone', async () => {
    const browser = new BrowserClient(web.fastify);
    await browser.login('vera', 'vera-password');
    const all = await browser.get('/routes');
    expect(all.body).toContain('3 routes, 4 hosts');
    expect(all.body).toContain('<span class="host">192.168.1.177:9000</span>');
    expect(all.body).toContain('<script src="/assets/htmx/htmx.min.js" defer></script>');
    expect((await browser.get('/routes?q=1')).body).toContain('2 routes, 3 hosts');
    expect((await browser.get('/routes?q=1%202')).body).toContain('1 routes, 1 hosts');
    expect((await browser.get('/routes?q=192.168.1.177')).body).toContain('1 routes, 1 hosts');
    const partial = await browser.request({ method: 'GET', url: '/routes?q=7', headers: { 'hx-request': 'true' } });
    expect(partial.body.startsWith('<div id="routes-table">')).toBe(true);
    expect(partial.body).not.toContain('<html');
  });

  it('is served with a CSP without inline scripts, frame-ancestors none, and htmx from the console itself', async () => {
    const res = await web.fastify.inject({ url: '/login' });
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.body).not.toMatch(/<script>(?!<\/script>)|<script(?![^>]*\bsrc=)[^>]*>/);
    const htmx = await web.fastify.inject({ url: '/assets/htmx/htmx.min.js' });
    expect(htmx.statusCode).toBe(200);
    expect(htmx.headers['content-type']).toMatch(/javascript/);
    expect((await web.fastify.inject({ url: '/assets/htmx/../../package.json' })).statusCode).toBe(404);
  });
});

describe('health and counters', () => {
  it('is ready once MySQL answered, and counts requests', async () => {
    expect(web.health.ready()).toMatchObject({ ok: true, failing: [] });
    expect(web.stats().mysqlUp).toBe(1);
    expect(web.stats().requests).toBeGreaterThan(0);
    const text = await web.metrics.metrics();
    expect(text).toContain('lars_web_logins_total');
    expect(text).toContain('lars_web_mysql_up 1');
  });
});
