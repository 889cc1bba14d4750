// The services pages and /api/services against the real MariaDB: the
// original's ModIDConfig / CmdIDConfig, duplicates included; who may read
// and who may change; CSRF; bad input changes nothing.
import { createLogger } from '@lars/reactor';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { TestDatabase } from '../../../test-support/db.js';
import type { Accounts } from '../src/accounts.js';
import { checkDescription } from '../src/service-store.js';
import { WebServer } from '../src/web-server.js';
import { BrowserClient } from './web-client.js';
import { createWebTestDatabase, fixtureAccounts, mysqlOf } from './web-test-db.js';

let db: TestDatabase;
let web: WebServer;
let accounts: Accounts;
const logged: Record<string, unknown>[] = [];
const bearer: Record<'vera' | 'ed' | 'ada', Record<string, string>> = { vera: {}, ed: {}, ada: {} };

const ROUTES: [number, number, string, number][] = [
  [1, 1, '10.0.0.1', 80],
  [1, 1, '10.0.0.2', 80],
  [1, 2, '10.0.0.1', 81],
  [7, 3, '192.168.1.177', 9000],
];

beforeAll(async () => {
  db = await createWebTestDatabase();
  for (const [modid, cmdid, ip, port] of ROUTES)
    await db.admin.query('INSERT INTO RouteData (modid, cmdid, serverip, serverport) VALUES (?, ?, INET_ATON(?), ?)', [
      modid,
      cmdid,
      ip,
      port,
    ]);
  web = new WebServer({
    port: 0,
    mysql: mysqlOf(db),
    defaultMetrics: false,
    logger: createLogger({ destination: { write: (line: string) => void logged.push(JSON.parse(line)) } }),
  });
  await web.start();
  accounts = fixtureAccounts(db);
  await accounts.add('vera', 'viewer', 'vera-password');
  await accounts.add('ed', 'editor', 'ed-password1');
  await accounts.add('ada', 'admin', 'ada-password');
  for (const name of ['vera', 'ed', 'ada'] as const) {
    const t = await accounts.createToken((await accounts.find(name))!, 'services-test');
    if (!t.ok) throw new Error('no token');
    bearer[name] = { authorization: `Bearer ${t.token}` };
  }
});
afterAll(async () => {
  await web?.close();
  await db?.drop();
});

/** The original's rows, as an original database may hold them: modid 1 twice, (1, 1) twice. */
beforeEach(async () => {
  await db.admin.query('DELETE FROM ModIDConfig');
  await db.admin.query('DELETE FROM CmdIDConfig');
  await db.admin.query(
    `INSERT INTO ModIDConfig (id, modid, content, name, owner) VALUES
      (10, 1, 'the user service', 'user', 'team-a'), (11, 1, 'an older copy', 'user-old', ''),
      (12, 5, 'no routes yet', 'billing', 'team-b')`,
  );
  await db.admin.query(
    `INSERT INTO CmdIDConfig (id, modid, cmdid, content, name, owner) VALUES
      (20, 1, 1, 'log in', 'login', 'team-a'), (21, 1, 1, 'duplicate', 'login-old', ''),
      (22, 7, 3, 'ping', 'ping', '')`,
  );
});

const modRows = async () =>
  (await db.admin.query<RowDataPacket[]>('SELECT id, modid, name, owner, content FROM ModIDConfig ORDER BY id'))[0];
const cmdRows = async () =>
  (
    await db.admin.query<RowDataPacket[]>('SELECT id, modid, cmdid, name, owner, content FROM CmdIDConfig ORDER BY id')
  )[0];
const api = (method: 'GET' | 'PUT' | 'DELETE', url: string, who: keyof typeof bearer, payload?: object) =>
  web.fastify.inject({ method, url, headers: bearer[who], ...(payload === undefined ? {} : { payload }) });
const login = async (name: string, password: string) => {
  const b = new BrowserClient(web.fastify);
  expect((await b.login(name, password)).statusCode).toBe(303);
  return b;
};

describe('reading', () => {
  it('GET /api/services: every modid known, the lowest id shown, duplicates counted; same for every role and a token', async () => {
    const answers = [
      await (await login('vera', 'vera-password')).get('/api/services'),
      await (await login('ed', 'ed-password1')).get('/api/services'),
      await (await login('ada', 'ada-password')).get('/api/services'),
      await api('GET', '/api/services', 'vera'),
    ];
    const login1 = { cmdid: 1, name: 'login', owner: 'team-a', description: 'log in', described: true };
    const expected = [
      {
        modid: 1,
        name: 'user',
        owner: 'team-a',
        description: 'the user service',
        described: true,
        duplicates: 1,
        routes: 2,
        commands: [{ ...login1, duplicates: 1, hosts: 0 }],
      },
      {
        modid: 5,
        name: 'billing',
        owner: 'team-b',
        description: 'no routes yet',
        described: true,
        duplicates: 0,
        routes: 0,
        commands: [],
      },
      {
        modid: 7,
        name: '',
        owner: '',
        description: '',
        described: false,
        duplicates: 0,
        routes: 1,
        commands: [
          { cmdid: 3, name: 'ping', owner: '', description: 'ping', described: true, duplicates: 0, hosts: 0 },
        ],
      },
    ];
    for (const res of answers) {
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ services: expected });
    }
  });

  it('GET /api/services/:modid: described and routed cmdids with their host counts; unknown modid 404', async () => {
    const res = await api('GET', '/api/services/1', 'vera');
    expect(res.statusCode).toBe(200);
    expect(res.json().commands).toEqual([
      { cmdid: 1, name: 'login', owner: 'team-a', description: 'log in', described: true, duplicates: 1, hosts: 2 },
      { cmdid: 2, name: '', owner: '', description: '', described: false, duplicates: 0, hosts: 1 },
    ]);
    const unknown = await api('GET', '/api/services/4', 'vera');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toEqual({ error: 'not_found', message: 'modid 4: no description and no route' });
  });

  it('the page lists described modids and those with routes but no description; a viewer sees no form', async () => {
    const vera = await login('vera', 'vera-password');
    const page = await vera.get('/services');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<a href="/services">Services</a>');
    expect(page.body).toContain('<a href="/system">System</a>');
    expect(page.body).toContain('<td>the user service <span class="error">(+1 duplicate rows)</span></td>');
    const undescribed = page.body.slice(page.body.indexOf('<h2>Not described</h2>'));
    expect(undescribed).toContain('<td><a href="/services/7">7</a></td>');
    expect(undescribed).not.toContain('/services/1"');
    expect(page.body).not.toContain('<form class="describe"');
    const detail = await vera.get('/services/1');
    expect(detail.statusCode).toBe(200);
    expect(detail.body).toContain('<a href="/routes/1/1">2 hosts</a>');
    expect(detail.body).toContain('<a href="/routes/1/2">1 hosts</a>');
    expect(detail.body).toContain('ModIDConfig holds 2 rows for modid 1');
    expect(detail.body).not.toContain('<form class="describe"');
    expect(detail.body).not.toContain('/delete');
  });

  it('an editor sees the forms, values escaped', async () => {
    await db.admin.query("UPDATE ModIDConfig SET name = '<b>x</b>' WHERE id = 10");
    const ed = await login('ed', 'ed-password1');
    const page = await ed.get('/services/1');
    expect(page.body).toContain('<form class="describe" method="post" action="/services/1">');
    expect(page.body).toContain('<form class="describe" method="post" action="/services/1/commands">');
    expect(page.body).toContain('<a href="/services/1/delete">Delete the description</a>');
    expect(page.body).toContain('&lt;b&gt;x&lt;/b&gt;');
    expect(page.body).not.toContain('<b>x</b>');
    expect((await ed.get('/services')).body).toContain('<form class="describe" method="post" action="/services">');
  });
});

describe('changing', () => {
  it('a viewer can change nothing: API 403, form 403, tables unchanged', async () => {
    const before = [await modRows(), await cmdRows()];
    const put = await api('PUT', '/api/services/9', 'vera', { name: 'x' });
    expect(put.statusCode).toBe(403);
    expect(put.json()).toEqual({ error: 'forbidden', message: 'this needs the editor role; vera is viewer' });
    expect((await api('DELETE', '/api/services/1', 'vera')).statusCode).toBe(403);
    expect((await api('PUT', '/api/services/1/1', 'vera', { name: 'x' })).statusCode).toBe(403);
    const vera = await login('vera', 'vera-password');
    const csrf = await vera.pageToken('/services');
    expect((await vera.postForm('/services', { _csrf: csrf, modid: '9', name: 'x' })).statusCode).toBe(403);
    expect((await vera.postForm('/services/1/delete', { _csrf: csrf })).statusCode).toBe(403);
    expect((await vera.get('/services/1/delete')).statusCode).toBe(403);
    expect([await modRows(), await cmdRows()]).toEqual(before);
  });

  it('a form POST without the CSRF token is refused and changes nothing', async () => {
    const ed = await login('ed', 'ed-password1');
    const before = await modRows();
    const res = await ed.postForm('/services/1', { name: 'changed' });
    expect(res.statusCode).toBe(403);
    expect(res.body).toContain('CSRF token missing or wrong');
    expect((await ed.postForm('/services/1/delete', {})).statusCode).toBe(403);
    const byApi = await ed.request({ method: 'PUT', url: '/api/services/1', payload: { name: 'changed' } });
    expect(byApi.statusCode).toBe(403);
    expect(byApi.json().error).toBe('csrf');
    expect(await modRows()).toEqual(before);
  });

  it('the API with a token: PUT creates (201) then updates (200) the lowest id only; DELETE removes every row; logged', async () => {
    const created = await api('PUT', '/api/services/9', 'ed', {
      name: 'search',
      owner: 'team-c',
      description: 'finds',
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ modid: 9, name: 'search', owner: 'team-c', description: 'finds' });
    const updated = await api('PUT', '/api/services/1', 'ed', { name: ' user v2 ' });
    expect(updated.statusCode).toBe(200);
    expect(updated.json()).toMatchObject({ modid: 1, name: 'user v2', owner: '', description: '', duplicates: 1 });
    expect((await modRows()).map((r) => [r.id, r.modid, r.name])).toEqual([
      [10, 1, 'user v2'],
      [11, 1, 'user-old'],
      [12, 5, 'billing'],
      [expect.any(Number), 9, 'search'],
    ]);
    expect(logged).toContainEqual(
      expect.objectContaining({
        user: 'ed',
        modid: 1,
        outcome: 'updated',
        msg: 'service description of modid 1 updated',
      }),
    );

    const cmd = await api('PUT', '/api/services/1/2', 'ed', { name: 'logout', description: 'log out' });
    expect(cmd.statusCode).toBe(201);
    expect(cmd.json().commands).toContainEqual({
      cmdid: 2,
      name: 'logout',
      owner: '',
      description: 'log out',
      described: true,
      duplicates: 0,
      hosts: 1,
    });

    const del = await api('DELETE', '/api/services/1/1', 'ada');
    expect(del.statusCode).toBe(200);
    expect(del.json()).toEqual({ deleted: 2 });
    expect((await cmdRows()).filter((r) => r.modid === 1 && r.cmdid === 1)).toEqual([]);
    expect(logged).toContainEqual(
      expect.objectContaining({
        user: 'ada',
        modid: 1,
        cmdid: 1,
        rows: 2,
        msg: 'service description of modid 1 cmdid 1 deleted',
      }),
    );
    const again = await api('DELETE', '/api/services/1/1', 'ada');
    expect(again.statusCode).toBe(404);
    expect(again.json()).toEqual({ error: 'not_found', message: 'modid 1 cmdid 1 has no description' });
  });

  it('the forms: add, edit, a cmdid, and delete after a confirm page', async () => {
    const ed = await login('ed', 'ed-password1');
    const csrf = await ed.pageToken('/services');
    const add = await ed.postForm('/services', {
      _csrf: csrf,
      modid: '7',
      name: 'pinger',
      owner: 'ops',
      description: '',
    });
    expect(add.statusCode).toBe(303);
    expect(add.headers.location).toBe('/services/7');
    const edit = await ed.postForm('/services/7', { _csrf: csrf, name: 'pinger', owner: 'ops', description: 'pings' });
    expect(edit.statusCode).toBe(303);
    const cmd = await ed.postForm('/services/7/commands', {
      _csrf: csrf,
      cmdid: '4',
      name: 'pong',
      owner: '',
      description: '',
    });
    expect(cmd.statusCode).toBe(303);
    expect((await modRows()).filter((r) => r.modid === 7).map((r) => [r.name, r.owner, r.content])).toEqual([
      ['pinger', 'ops', 'pings'],
    ]);
    expect((await cmdRows()).filter((r) => r.modid === 7).map((r) => [r.cmdid, r.name])).toEqual([
      [3, 'ping'],
      [4, 'pong'],
    ]);
    const editCmd = await ed.postForm('/services/7/3', { _csrf: csrf, name: 'ping2', owner: '', description: '' });
    expect(editCmd.statusCode).toBe(303);
    expect((await cmdRows()).find((r) => r.id === 22)?.name).toBe('ping2');

    const confirm = await ed.get('/services/1/delete');
    expect(confirm.statusCode).toBe(200);
    expect(confirm.body).toContain('Delete the description of modid 1?');
    expect(confirm.body).toContain('All 2 rows of it are deleted');
    expect(confirm.body).toContain('<form method="post" action="/services/1/delete">');
    const deleted = await ed.postForm('/services/1/delete', { _csrf: csrf });
    expect(deleted.statusCode).toBe(303);
    expect(deleted.headers.location).toBe('/services');
    expect((await modRows()).filter((r) => r.modid === 1)).toEqual([]);
    // Its cmdid descriptions stay.
    expect((await cmdRows()).filter((r) => r.modid === 1)).toHaveLength(2);
    const cmdConfirm = await ed.get('/services/7/4/delete');
    expect(cmdConfirm.body).toContain('<form method="post" action="/services/7/4/delete">');
    expect((await ed.postForm('/services/7/4/delete', { _csrf: csrf })).headers.location).toBe('/services/7');
    expect((await cmdRows()).filter((r) => r.modid === 7 && r.cmdid === 4)).toEqual([]);
    expect((await ed.get('/services/7/4/delete')).statusCode).toBe(404);
  });
});

describe('bad input gets a clear message and changes nothing', () => {
  it('on the API', async () => {
    const before = [await modRows(), await cmdRows()];
    const cases: [string, string, object, string][] = [
      ['PUT', '/api/services/abc', { name: 'x' }, 'modid: must be integer'],
      ['PUT', '/api/services/99999999999', { name: 'x' }, 'modid: must be <= 2147483647'],
      ['PUT', '/api/services/-1', { name: 'x' }, 'modid: must be >= 0'],
      ['PUT', '/api/services/1/abc', { name: 'x' }, 'cmdid: must be integer'],
      ['PUT', '/api/services/1', { name: 'x'.repeat(5000) }, 'name: must NOT have more than 128 characters'],
      [
        'PUT',
        '/api/services/1',
        { name: 'x', owner: 'o'.repeat(129) },
        'owner: must NOT have more than 128 characters',
      ],
      [
        'PUT',
        '/api/services/1',
        { name: 'x', description: 'd'.repeat(1025) },
        'description: must NOT have more than 1024 characters',
      ],
      ['PUT', '/api/services/1', { owner: 'o' }, "name: must have required property 'name'"],
      ['PUT', '/api/services/1', { name: '   ' }, 'name: must not be empty'],
      [
        'PUT',
        '/api/services/1',
        { name: 'x', description: 'two\nlines' },
        'description: must not contain control characters (newline, tab, ...)',
      ],
      [
        'PUT',
        '/api/services/1/1',
        { name: 'a\u0007b' },
        'name: must not contain control characters (newline, tab, ...)',
      ],
      ['PUT', '/api/services/1', { name: 'x', colour: 'red' }, 'body: must NOT have additional properties'],
      ['DELETE', '/api/services/abc', {}, 'modid: must be integer'],
    ];
    for (const [method, url, payload, message] of cases) {
      const res = await api(method as 'PUT', url, 'ed', method === 'DELETE' ? undefined : payload);
      expect(res.statusCode, `${url} ${JSON.stringify(payload).slice(0, 60)}`).toBe(400);
      expect(res.json(), url).toEqual({ error: 'bad_request', message });
    }
    expect([await modRows(), await cmdRows()]).toEqual(before);
  });

  it('on the forms', async () => {
    const before = [await modRows(), await cmdRows()];
    const ed = await login('ed', 'ed-password1');
    const csrf = await ed.pageToken('/services');
    const cases: [string, Record<string, string>, string][] = [
      ['/services', { modid: 'abc', name: 'x' }, 'modid: must be integer'],
      ['/services', { modid: '3000000000', name: 'x' }, 'modid: must be &lt;= 2147483647'],
      ['/services/1', { name: 'x'.repeat(5000) }, 'name: must NOT have more than 128 characters'],
      ['/services/1/commands', { cmdid: '1.5', name: 'x' }, 'cmdid: must be integer'],
      ['/services/1/1', { name: 'x', owner: 'tab\there' }, 'owner: must not contain control characters'],
    ];
    for (const [url, fields, message] of cases) {
      const res = await ed.postForm(url, { _csrf: csrf, ...fields });
      expect(res.statusCode, url).toBe(400);
      expect(res.body, url).toContain(message);
    }
    expect([await modRows(), await cmdRows()]).toEqual(before);
  });

  it('checkDescription trims, and counts characters, not bytes', () => {
    expect(checkDescription({ name: ' a ', owner: ' b ', description: ' c ' })).toEqual({
      ok: true,
      value: { name: 'a', owner: 'b', description: 'c' },
    });
    expect(checkDescription({ name: '服'.repeat(128) }).ok).toBe(true);
    expect(checkDescription({ name: '😀'.repeat(128) }).ok).toBe(true);
    expect(checkDescription({ name: '😀'.repeat(129) })).toEqual({
      ok: false,
      message: 'name: must NOT have more than 128 characters',
    });
    expect(checkDescription({ name: 'x', description: 'a\u0085b' }).ok).toBe(false);
  });
});
