// MySQL stopped under a running DNS: the DNS keeps answering from its last
// table, and picks up changes again once MySQL is back. Uses a throwaway
// server of its own, never the shared one.
import { createConnection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ipToInt } from '@lars/proto';
import { changeRoutes } from '@lars/store';
import { DnsServer } from '../src/index.js';
import type { TestDatabase } from '../../../test-support/db.js';
import { until } from '../../../test-support/wait.js';
import {
  startThrowawayDatabase,
  type ThrowawayDatabase,
  type ThrowawayMysql,
} from '../../../test-support/throwaway-mysql.js';
import { RouteClient } from './route-client.js';

let mysql: ThrowawayMysql;
let db: TestDatabase;
let throwaway: ThrowawayDatabase | undefined;
beforeAll(async () => {
  throwaway = await startThrowawayDatabase();
  ({ mysql, db } = throwaway);
});
afterAll(() => throwaway?.close());

async function change(modid: number, ip: string, port: number): Promise<void> {
  const conn = await createConnection({
    host: db.host,
    port: db.port,
    user: db.adminUser,
    password: db.adminPassword,
    database: db.name,
  });
  try {
    await changeRoutes(conn, [{ op: 'add', modid, cmdid: 1, ip: ipToInt(ip), port }]);
  } finally {
    await conn.end();
  }
}

describe('DnsServer with MySQL going down and coming back', () => {
  it('answers from the last table while MySQL is down, and pushes changes again after it is back', async () => {
    await change(1, '10.0.0.1', 1001);
    const dns = new DnsServer({
      port: 0,
      checkIntervalMs: 100,
      reloadIntervalMs: 200,
      connectTimeoutMs: 1000,
      backoff: { initialMs: 50, maxMs: 300 },
      mysql: { host: db.host, port: db.port, user: db.user, password: db.password, database: db.name },
    });
    const { port } = await dns.start();
    const c = await RouteClient.connect(port);
    try {
      expect((await c.ask(1, 1)).hosts).toEqual(['10.0.0.1:1001']);

      await mysql.stop();
      const failures = dns.stats().loadFailures as number;
      await until(() => (dns.stats().loadFailures as number) >= failures + 2, 'the DNS to see MySQL fail twice');
      expect(dns.stats().mysqlUp).toBe(false);
      // Serving the last good table is still ready; the report says MySQL is down.
      expect(dns.health.ready()).toMatchObject({ ok: true, failing: [], info: { mysqlUp: false } });
      expect((await c.ask(1, 1)).hosts).toEqual(['10.0.0.1:1001']);
      expect(dns.stats().tableRoutes).toBe(1);

      await mysql.start();
      const push = c.next(1, 1, 30_000);
      await change(1, '10.0.0.2', 1002);
      expect((await push).hosts).toEqual(['10.0.0.1:1001', '10.0.0.2:1002']);
      expect(dns.stats().mysqlUp).toBe(true);
    } finally {
      await c.close();
      await dns.close();
    }
  });
});
