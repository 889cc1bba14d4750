// MysqlLink and createMysqlPool over a `db_hosts` list against the local
// MariaDB: the first address is a loopback port nobody listens on (a server
// that is down), the second the real server. Both holders must reach the
// real one, count the failover, survive the server killing their
// connection, and move past a server that answers it cannot serve (the real
// server raises that answer, errno 1290, with SIGNAL). Needs MySQL: bash
// scripts/mysql-local.sh start.
import { createServer } from 'node:net';
import type { Connection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createMysqlPool,
  MYSQL_DEFAULTS,
  type MysqlAddress,
  type MysqlFailoverEvent,
  MysqlLink,
  type MysqlSettings,
} from '../src/index.js';
import { createTestDatabase, type TestDatabase } from '../../../test-support/db.js';
import { captureLogs, LEVEL } from '../../../test-support/log-capture.js';

const CONNECT_TIMEOUT_MS = 5000;
/** The answer of a read-only server (or a Galera node not yet synced), raised by the real one. */
const ANSWER_1290 = "SIGNAL SQLSTATE 'HY000' SET MYSQL_ERRNO = 1290, MESSAGE_TEXT = 'read-only (raised by the test)'";

let db: TestDatabase;
let down: MysqlAddress;
let settings: MysqlSettings;

/** A loopback port that refuses connections: bound once (so it was free), then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
  return address.port;
}

async function connectionId(c: Pick<Connection, 'query'>): Promise<number> {
  const [rows] = await c.query('SELECT CONNECTION_ID() AS id');
  return Number((rows as { id: number }[])[0].id);
}

/**
 * Resolves when `c` emits 'end' (the server's FIN read), on which
 * MysqlLink forgets its connection and a pool drops a pooled one.
 */
function ended(c: { once(event: 'end', listener: () => void): unknown }) {
  return new Promise<void>((resolve) => {
    c.once('end', () => resolve());
  });
}

beforeAll(async () => {
  db = await createTestDatabase({ migrate: false });
  down = { host: '127.0.0.1', port: await closedPort() };
  settings = {
    ...MYSQL_DEFAULTS,
    host: db.host,
    port: db.port,
    hosts: [down, { host: db.host, port: db.port }],
    // As the admin user: KILL of another user's connection needs a privilege
    // lars_admin lacks, but any user may kill its own (the admin pool's KILL).
    user: db.adminUser,
    password: db.adminPassword,
    database: db.name,
  };
});
afterAll(() => db?.drop());

describe('MysqlLink over db_hosts', () => {
  it('skips the address that is down, counts the failover and logs it', async () => {
    const logs = captureLogs();
    const link = new MysqlLink(settings, CONNECT_TIMEOUT_MS, undefined, { logger: logs.logger });
    try {
      await expect(link.use((c) => c.query('SELECT 1 AS one'))).resolves.toEqual([[{ one: 1 }], expect.anything()]);
      expect(link.failovers).toBe(1);
      expect(logs.matching({ level: LEVEL.warn, from: `127.0.0.1:${down.port}`, to: `${db.host}:${db.port}` })).toEqual(
        [expect.objectContaining({ code: 'ECONNREFUSED', class: 'transient' })],
      );
      // Connected: the next use keeps the connection, no new failover.
      const first = await link.use(connectionId);
      expect(await link.use(connectionId)).toBe(first);
      expect(link.failovers).toBe(1);
    } finally {
      await link.close();
    }
  });

  it('reconnects after the server kills its connection, passing over the down address again', async () => {
    const events: MysqlFailoverEvent[] = [];
    const link = new MysqlLink(settings, CONNECT_TIMEOUT_MS, undefined, {
      failover: { onFailover: (e) => events.push(e) },
    });
    try {
      const c = await link.get();
      const killed = await connectionId(c);
      const closed = ended(c);
      await db.admin.query(`KILL ${killed}`);
      await closed;
      // The link saw the break: the next use opens a new connection on the real server.
      const next = await link.use(connectionId);
      expect(next).not.toBe(killed);
      // Down at first (1); the break moved on to the down address (2), which failed back to the real one (3).
      expect(link.failovers).toBe(3);
      expect(events.map((e) => e.reason)).toEqual(['connect failed', 'connection broke', 'connect failed']);
      expect(events[1].from).toEqual({ host: db.host, port: db.port });
    } finally {
      await link.close();
    }
  });

  it('reconnects on the first use after the server killed its connection, without failing it', async () => {
    const link = new MysqlLink(settings, CONNECT_TIMEOUT_MS);
    try {
      for (let round = 0; round < 20; round++) {
        const killed = await link.use(connectionId);
        // KILL closes the connection's socket before it answers: the FIN is on its way, not yet read.
        await db.admin.query(`KILL ${killed}`);
        const next = await link.use(connectionId);
        expect(next, `round ${round}`).not.toBe(killed);
      }
    } finally {
      await link.close();
    }
  });
});

describe('createMysqlPool over db_hosts', () => {
  it('opens its connections on the real server, counting the failover once per address that was down', async () => {
    const events: MysqlFailoverEvent[] = [];
    const pool = createMysqlPool(settings, {
      connectionLimit: 2,
      connectTimeoutMs: CONNECT_TIMEOUT_MS,
      failover: { onFailover: (e) => events.push(e) },
    });
    try {
      await expect(pool.query('SELECT 1 AS one')).resolves.toEqual([[{ one: 1 }], expect.anything()]);
      expect(events).toEqual([
        expect.objectContaining({ from: down, to: { host: db.host, port: db.port }, reason: 'connect failed' }),
      ]);
      // A second connection at once (the first is held) starts at the address that worked: no new failover.
      const held = await pool.getConnection();
      try {
        const [a, b] = await Promise.all([connectionId(held), connectionId(pool)]);
        expect(a).not.toBe(b);
      } finally {
        held.release();
      }
      expect(events).toHaveLength(1);
    } finally {
      await pool.end();
    }
  });

  it('replaces a pooled connection the server killed', async () => {
    const logs = captureLogs();
    const pool = createMysqlPool(settings, {
      connectionLimit: 1,
      connectTimeoutMs: CONNECT_TIMEOUT_MS,
      logger: logs.logger,
    });
    try {
      const conn = await pool.getConnection();
      const killed = await connectionId(conn);
      const closed = ended(conn.connection);
      conn.release();
      await db.admin.query(`KILL ${killed}`);
      // The pool drops a connection that ended while idle; the next query opens a new one.
      await closed;
      const next = await connectionId(pool);
      expect(next).not.toBe(killed);
      expect(logs.matching({ level: LEVEL.warn, from: `127.0.0.1:${down.port}` }).length).toBeGreaterThanOrEqual(1);
    } finally {
      await pool.end();
    }
  });

  it('moves past a server that answers a statement with 1290: the answer is delivered, the next connection goes elsewhere', async () => {
    const real = { host: db.host, port: db.port };
    const events: MysqlFailoverEvent[] = [];
    // The real server first this time: connections open there, and only the answer makes the pool move on.
    const pool = createMysqlPool(
      { ...settings, hosts: [real, down] },
      { connectionLimit: 1, connectTimeoutMs: CONNECT_TIMEOUT_MS, failover: { onFailover: (e) => events.push(e) } },
    );
    try {
      const first = await connectionId(pool);
      expect(events).toEqual([]);
      await expect(pool.query(ANSWER_1290)).rejects.toMatchObject({ errno: 1290 });
      expect(events).toEqual([expect.objectContaining({ from: real, to: down, reason: 'connection broke' })]);
      // The pool dropped that connection: the next one tries the down address, then the real one.
      const next = await connectionId(pool);
      expect(next).not.toBe(first);
      expect(events.map((e) => e.reason)).toEqual(['connection broke', 'connect failed']);
      expect(events[1]).toMatchObject({ from: down, to: real });
      // And the dropped connection is closed, not left open on the server.
      await vi.waitFor(async () => {
        const sql = 'SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE ID = ?';
        const [rows] = await db.admin.query(sql, [first]);
        expect(Number((rows as { n: number }[])[0].n)).toBe(0);
      });
    } finally {
      await pool.end();
    }
  });

  it('keeps its connection after an ordinary statement error', async () => {
    const events: MysqlFailoverEvent[] = [];
    const pool = createMysqlPool(
      { ...settings, hosts: [{ host: db.host, port: db.port }, down] },
      { connectionLimit: 1, connectTimeoutMs: CONNECT_TIMEOUT_MS, failover: { onFailover: (e) => events.push(e) } },
    );
    try {
      const first = await connectionId(pool);
      await expect(pool.query('SELECT * FROM no_such_table')).rejects.toMatchObject({ errno: 1146 });
      expect(await connectionId(pool)).toBe(first);
      expect(events).toEqual([]);
    } finally {
      await pool.end();
    }
  });
});
