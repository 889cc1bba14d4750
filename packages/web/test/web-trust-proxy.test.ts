// `[web] trust_proxy`: whose X-Forwarded-For names the client. The session's
// recorded address (WebSession.address) shows which address the console used.
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestDatabase } from '../../../test-support/db.js';
import { WebServer } from '../src/web-server.js';
import { BrowserClient } from './web-client.js';
import { createWebTestDatabase, fixtureAccounts, mysqlOf } from './web-test-db.js';

let db: TestDatabase;
const servers: WebServer[] = [];

async function server(trustProxy?: string[]): Promise<WebServer> {
  const web = new WebServer({ port: 0, mysql: mysqlOf(db), defaultMetrics: false, trustProxy });
  servers.push(web);
  await web.start();
  return web;
}

/** Logs in from 127.0.0.1 with an X-Forwarded-For header; the address the new session recorded. */
async function sessionAddress(web: WebServer): Promise<string> {
  const browser = new BrowserClient(web.fastify);
  const _csrf = await browser.loginToken();
  const res = await browser.request({
    method: 'POST',
    url: '/login',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': '203.0.113.9' },
    payload: new URLSearchParams({ name: 'pat', password: 'pat-password', _csrf }).toString(),
  });
  expect(res.statusCode, res.body).toBe(303);
  const [rows] = await db.admin.query<RowDataPacket[]>('SELECT address FROM WebSession ORDER BY created DESC LIMIT 1');
  return rows[0].address;
}

beforeAll(async () => {
  db = await createWebTestDatabase();
  await fixtureAccounts(db).add('pat', 'viewer', 'pat-password');
});
afterAll(async () => {
  for (const s of servers) await s.close();
  await db?.drop();
});

describe('[web] trust_proxy', () => {
  it('unset: the client is the TCP peer and a forwarded header is ignored', async () => {
    expect(await sessionAddress(await server())).toBe('127.0.0.1');
  });

  it('naming the peer: its X-Forwarded-For is the client', async () => {
    expect(await sessionAddress(await server(['127.0.0.0/8']))).toBe('203.0.113.9');
  });

  it('naming another proxy: the peer is not believed', async () => {
    expect(await sessionAddress(await server(['10.0.0.1']))).toBe('127.0.0.1');
  });
});
