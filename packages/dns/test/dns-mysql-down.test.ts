// MySQL down or refusing the DNS, on a throwaway server of this file's own
// (never the shared one):
// - stopped under a running DNS: the DNS keeps answering from its last table,
//   and picks up changes again once MySQL is back;
// - stopped, or refusing the DNS's password, when the DNS starts (issue 11
//   item 9): the DNS listens and serves /stats and /healthz at once, /readyz
//   says not ready, a GetRouteRequest is held (never answered empty) and
//   answered with the real hosts once the first table loads; the log names
//   the cause once per state change.
import { createConnection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ipToInt } from '@lars/proto';
import { changeRoutes } from '@lars/store';
import { DnsServer } from '../src/index.js';
import type { TestDatabase } from '../../../test-support/db.js';
import { captureLogs, LEVEL, type LogCapture } from '../../../test-support/log-capture.js';
import { serveStatsEndpoint } from '../../../test-support/stats-endpoint.js';
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

/** Sets the daemons' user's password on the throwaway server (a user may change its own; no admin grant needed). */
async function setAppPassword(current: string, next: string): Promise<void> {
  const conn = await createConnection({ host: db.host, port: db.port, user: db.user, password: current });
  try {
    await conn.query('SET PASSWORD = PASSWORD(?)', [next]);
  } finally {
    await conn.end();
  }
}

function newDns(logs: LogCapture): DnsServer {
  return new DnsServer({
    port: 0,
    checkIntervalMs: 100,
    reloadIntervalMs: 200,
    connectTimeoutMs: 1000,
    backoff: { initialMs: 50, maxMs: 300 },
    defaultMetrics: false,
    mysql: { host: db.host, port: db.port, user: db.user, password: db.password, database: db.name },
    logger: logs.logger,
  });
}

/** The serving thread's lines about MySQL's state (the loader's own throttled per-round lines aside). */
const stateLines = (logs: LogCapture) =>
  logs.lines.filter((l) => l.component === 'dns' && typeof l.msg === 'string' && l.msg.startsWith('MySQL '));
const loadFailures = (dns: DnsServer) => dns.stats().loadFailures as number;

describe('DnsServer with MySQL going down and coming back', () => {
  it('answers from the last table while MySQL is down, and pushes changes again after it is back', async () => {
    await change(1, '10.0.0.1', 1001);
    const logs = captureLogs();
    const dns = newDns(logs);
    const { port } = await dns.start();
    const c = await RouteClient.connect(port);
    try {
      expect((await c.ask(1, 1)).hosts).toEqual(['10.0.0.1:1001']);

      await mysql.stop();
      const failures = loadFailures(dns);
      await until(() => loadFailures(dns) >= failures + 3, 'the DNS to see MySQL fail three times');
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
      // One line going down (however many rounds failed), one coming back.
      expect(stateLines(logs).map((l) => [l.level, l.msg])).toEqual([
        [LEVEL.error, 'MySQL unreachable: serving the last table; retrying'],
        [LEVEL.info, 'MySQL is back'],
      ]);
    } finally {
      await c.close();
      await dns.close();
    }
  });
});

describe('DnsServer started while MySQL is down or refuses it', () => {
  /**
   * Starts a DNS while MySQL cannot be used, checks what it serves
   * meanwhile, lets `fix` make MySQL usable, and checks that the held
   * request is then answered with the real hosts.
   */
  async function startWithout(
    cause: { msg: string; code: string; errno: number | undefined },
    fix: () => Promise<void>,
  ): Promise<void> {
    const logs = captureLogs();
    const dns = newDns(logs);
    const http = await serveStatsEndpoint(dns);
    let c: RouteClient | null = null;
    const started = dns.start();
    try {
      const { port } = await dns.listen();
      expect((await http.get('/healthz')).status).toBe(200);
      const ready = await http.get('/readyz');
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({
        ok: false,
        failing: ['table'],
        checks: { table: { ok: false, detail: 'no route table loaded yet' } },
      });

      c = await RouteClient.connect(port);
      c.pull(2, 1);
      await until(() => dns.stats().heldRequests === 1, 'the request to be held');
      const failures = loadFailures(dns);
      await until(() => loadFailures(dns) >= failures + 3, 'three more failed attempts');
      const stats = (await (await http.get('/stats')).json()) as Record<string, unknown>;
      expect(stats).toMatchObject({
        connections: 1,
        heldRequests: 1,
        subscriptions: 1,
        requests: 0,
        tableRoutes: 0,
        routeVersion: 0,
        mysqlUp: false,
      });
      expect(c.answers).toEqual([]);
      expect((await http.get('/readyz')).status).toBe(503);
      // Several failed attempts, one line, naming the cause.
      expect(stateLines(logs)).toHaveLength(1);
      expect(stateLines(logs)[0]).toMatchObject({
        level: LEVEL.error,
        msg: cause.msg,
        code: cause.code,
        errno: cause.errno,
      });

      const answer = c.next(2, 1, 30_000);
      await fix();
      // The held request's answer is the first and only frame the connection got.
      expect(await answer).toEqual({ modid: 2, cmdid: 1, hosts: ['10.0.2.1:2001'] });
      await started;
      expect(c.answers).toHaveLength(1);
      expect(dns.stats()).toMatchObject({ heldRequests: 0, requests: 1, subscriptions: 1, mysqlUp: true });
      expect((await http.get('/readyz')).status).toBe(200);
      expect(stateLines(logs).map((l) => l.msg)).toEqual([cause.msg, 'MySQL is back']);
    } finally {
      await c?.close();
      await dns.close();
      // close() makes a start() still waiting for MySQL reject with LARS_CLOSED: that is this test ending early, not a result.
      await started.catch(() => undefined);
      await http.close();
    }
  }

  it('MySQL stopped: listens, holds the request, answers it once MySQL is up; logs "unreachable" once', async () => {
    await change(2, '10.0.2.1', 2001);
    await mysql.stop();
    await startWithout(
      {
        msg: 'MySQL unreachable: no route table yet, route requests wait; retrying',
        code: 'ECONNREFUSED',
        errno: -111,
      },
      () => mysql.start(),
    );
  });

  it('wrong password: listens, holds the request, answers it once the password works; logs "access denied" once', async () => {
    const WRONG = 'not-the-daemons-password';
    await setAppPassword(db.password, WRONG);
    let fixed = false;
    try {
      await startWithout(
        {
          msg: 'MySQL access denied: no route table yet, route requests wait; retrying',
          code: 'ER_ACCESS_DENIED_ERROR',
          errno: 1045,
        },
        async () => {
          await setAppPassword(WRONG, db.password);
          fixed = true;
        },
      );
    } finally {
      if (!fixed) await setAppPassword(WRONG, db.password);
    }
  });
});
