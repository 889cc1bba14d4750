import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateDatabase } from '@lars/store';
import { adminSettings, createTestDatabase, loadSampleRoutes, mysqlTestEnv } from '../../test-support/db.js';
import type { TestDatabase } from '../../test-support/db.js';
import { freePort } from '../../test-support/ports.js';
import { VAR_TMP } from '../../test-support/repo-paths.js';
import { EXIT_PORT_TAKEN, runMysqlLocal, startThrowawayMysql } from '../../test-support/throwaway-mysql.js';

const EXIT_USAGE = 2;
const EXIT_NOT_RUNNING = 3;

function statusPid(stdout: string): string | undefined {
  return /\(pid (\d+)/.exec(stdout)?.[1];
}

async function rows<T extends RowDataPacket>(db: TestDatabase, sql: string, params: unknown[] = []): Promise<T[]> {
  const [result] = await db.admin.query<T[]>(sql, params);
  return result;
}

/** Connects as the daemons' user `lars` (not the admin). */
function connectApp(port: number, database: string) {
  const env = mysqlTestEnv();
  return createConnection({ host: env.host, port, user: env.user, password: env.password, database });
}

beforeAll(async () => {
  // The test runner normally starts the shared server; start is idempotent.
  const status = await runMysqlLocal(['status']);
  if (status.code !== 0) {
    const started = await runMysqlLocal(['start']);
    expect(started.code, started.stderr).toBe(0);
  }
});

describe('mysql-local.sh start / status (shared server)', () => {
  it('a second start is a no-op that exits 0', async () => {
    const before = await runMysqlLocal(['status']);
    expect(before.code).toBe(0);
    const again = await runMysqlLocal(['start']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('already running');
    const after = await runMysqlLocal(['status']);
    expect(after.code).toBe(0);
    expect(statusPid(after.stdout)).toBeDefined();
    expect(statusPid(after.stdout)).toBe(statusPid(before.stdout));
  });

  it('status names the configured port', async () => {
    const status = await runMysqlLocal(['status']);
    expect(status.stdout).toContain(`127.0.0.1:${mysqlTestEnv().port}`);
  });

  it('serves lars_dns to the daemons user', async () => {
    const conn = await connectApp(mysqlTestEnv().port, 'lars_dns');
    try {
      const [tables] = await conn.query<RowDataPacket[]>('SHOW TABLES');
      const names = tables.map((r) => Object.values(r)[0]);
      expect(names).toEqual(expect.arrayContaining(['RouteData', 'RouteVersion', 'RouteChange', 'ServerCallStatus']));
    } finally {
      await conn.end();
    }
  });

  it('rejects an unknown command with usage and exit 2', async () => {
    const result = await runMysqlLocal(['frobnicate']);
    expect(result.code).toBe(EXIT_USAGE);
    expect(result.stderr).toContain('usage:');
  });

  it('rejects a bad throwaway port', async () => {
    const result = await runMysqlLocal(['start-throwaway', 'abc', join(VAR_TMP, 'never-created', 'data')]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("invalid port 'abc'");
  });
});

describe('mysql-local.sh start on a port taken by another process', () => {
  let holder: Server;
  let port: number;
  let dir: string;

  beforeAll(async () => {
    port = await freePort();
    holder = createServer();
    await new Promise<void>((resolve) => holder.listen(port, '127.0.0.1', () => resolve()));
    await mkdir(VAR_TMP, { recursive: true });
    dir = await mkdtemp(join(VAR_TMP, 'taken-'));
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => holder.close(() => resolve()));
    await rm(dir, { recursive: true, force: true });
  });

  it('fails non-zero naming the port and the setting', async () => {
    const dataDir = join(dir, 'data');
    const result = await runMysqlLocal(['start'], {
      env: { LARS_MYSQL_DB_PORT: String(port), LARS_MYSQL_DATA_DIR: dataDir },
    });
    expect(result.code).toBe(EXIT_PORT_TAKEN);
    expect(result.stderr).toContain(`port ${port}`);
    expect(result.stderr).toContain('LARS_MYSQL_DB_PORT');
    expect(result.stderr).toContain('db_port');
    expect(existsSync(dataDir)).toBe(false);
  });
});

describe('the migrated schema in a test database', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  it('creates every table of the migrations (sql/lars_dns.sql), all InnoDB', async () => {
    const tables = await rows(
      db,
      'SELECT TABLE_NAME AS t, ENGINE AS e FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME',
      [db.name],
    );
    expect(tables.map((r) => [r.t, r.e])).toEqual(
      [
        'ApiToken',
        'CallStatusMinute',
        'CmdIDConfig',
        'ModIDConfig',
        'RouteAudit',
        'RouteChange',
        'RouteData',
        'RouteVersion',
        'SchemaLock',
        'SchemaVersion',
        'ServerCallStatus',
        'WebSession',
        'WebUser',
      ].map((t) => [t, 'InnoDB']),
    );
  });

  it('has a unique key on RouteData (modid, cmdid, serverip, serverport)', async () => {
    const cols = await rows(
      db,
      `SELECT COLUMN_NAME AS c FROM information_schema.STATISTICS
        WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'RouteData' AND NON_UNIQUE = 0 AND INDEX_NAME <> 'PRIMARY'
        ORDER BY SEQ_IN_INDEX`,
      [db.name],
    );
    expect(cols.map((r) => r.c)).toEqual(['modid', 'cmdid', 'serverip', 'serverport']);
    const insert = 'INSERT INTO RouteData (modid, cmdid, serverip, serverport) VALUES (42, 1, INET_ATON(?), 9000)';
    await db.admin.query(insert, ['10.0.0.1']);
    await expect(db.admin.query(insert, ['10.0.0.1'])).rejects.toMatchObject({ code: 'ER_DUP_ENTRY' });
  });

  it('seeds RouteVersion row 1 and stays re-runnable', async () => {
    expect(await migrateDatabase(adminSettings(db, db.name))).toMatchObject({ applied: [] });
    const version = await rows(db, 'SELECT id, version FROM RouteVersion');
    expect(version.map((r) => [r.id, r.version])).toEqual([[1, 0]]);
  });

  it('stores unsigned ip and caller in ServerCallStatus, keyed by the five columns', async () => {
    const upsert = `INSERT INTO ServerCallStatus (modid, cmdid, ip, port, caller, succ_cnt, err_cnt, ts, overload)
      VALUES (1, 1, 3232235953, 9001, 4294967295, ?, 0, 1700000000, '0')
      ON DUPLICATE KEY UPDATE succ_cnt = VALUES(succ_cnt)`;
    await db.admin.query(upsert, [5]);
    await db.admin.query(upsert, [7]);
    const stored = await rows(db, 'SELECT ip, caller, succ_cnt FROM ServerCallStatus');
    expect(stored.map((r) => [r.ip, r.caller, r.succ_cnt])).toEqual([[3232235953, 4294967295, 7]]);
  });

  it('gives the daemons user data access but no DDL', async () => {
    const conn = await connectApp(db.port, db.name);
    try {
      await conn.query('INSERT INTO RouteChange (modid, cmdid, version) VALUES (1, 1, 1)');
      await conn.query('UPDATE RouteChange SET version = 2');
      const [changed] = await conn.query<RowDataPacket[]>('SELECT version FROM RouteChange');
      expect(changed.map((r) => r.version)).toEqual([2]);
      await conn.query('DELETE FROM RouteChange');
      await expect(conn.query('CREATE TABLE Evil (id INT)')).rejects.toMatchObject({
        code: expect.stringMatching(/ACCESS_DENIED/),
      });
      await expect(conn.query('DROP TABLE RouteData')).rejects.toMatchObject({
        code: expect.stringMatching(/ACCESS_DENIED/),
      });
    } finally {
      await conn.end();
    }
  });
});

describe('sql/lars_dns_sample.sql', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  const perModid = 'SELECT modid, cmdid, COUNT(*) AS n FROM RouteData GROUP BY modid, cmdid ORDER BY modid';
  const versionOf = async () => (await rows(db, 'SELECT version FROM RouteVersion WHERE id = 1'))[0].version as number;

  it('loads twice without duplicates: modid 1..10, cmdid 1, 3..5 hosts each', async () => {
    await loadSampleRoutes(db);
    const first = await rows(db, perModid);
    const v1 = await versionOf();
    await loadSampleRoutes(db);
    const second = await rows(db, perModid);
    const v2 = await versionOf();

    expect(second).toEqual(first);
    expect(second.map((r) => r.modid)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    for (const r of second) {
      expect(r.cmdid).toBe(1);
      expect(r.n).toBeGreaterThanOrEqual(3);
      expect(r.n).toBeLessThanOrEqual(5);
    }
    expect(v1).toBeGreaterThan(0);
    expect(v2).toBeGreaterThan(v1);
    const changes = await rows(db, 'SELECT COUNT(*) AS n FROM RouteChange WHERE version = ?', [v2]);
    expect(changes[0].n).toBe(10);
  });
});

describe('throwaway server (start-throwaway / stop-throwaway)', () => {
  it('starts on its own port with the schema and users, stops, restarts, and leaves the shared server alone', async () => {
    const sharedBefore = await runMysqlLocal(['status']);
    const server = await startThrowawayMysql();
    try {
      expect(server.port).not.toBe(mysqlTestEnv().port);
      const conn = await connectApp(server.port, 'lars_dns');
      try {
        const [answer] = await conn.query<RowDataPacket[]>('SELECT @@port AS port, COUNT(*) AS n FROM RouteData');
        expect(answer[0].port).toBe(server.port);
        expect(answer[0].n).toBeGreaterThan(0);
        // Provisioning applied the migrations through the runner.
        const [schema] = await conn.query<RowDataPacket[]>('SELECT MAX(version) AS v FROM SchemaVersion');
        expect(schema[0].v).toBeGreaterThanOrEqual(1);
        await conn.query('INSERT INTO RouteData (modid, cmdid, serverip, serverport) VALUES (77, 1, 1, 1)');
      } finally {
        await conn.end();
      }

      await server.stop();
      await expect(connectApp(server.port, 'lars_dns')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
      const shared = await runMysqlLocal(['status']);
      expect(shared.code).toBe(0);
      expect(statusPid(shared.stdout)).toBe(statusPid(sharedBefore.stdout));

      await server.start();
      const again = await connectApp(server.port, 'lars_dns');
      try {
        const [kept] = await again.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM RouteData WHERE modid = 77');
        expect(kept[0].n).toBe(1);
      } finally {
        await again.end();
      }

      const testDb = await createTestDatabase({ port: server.port });
      const [inThrowaway] = await testDb.admin.query<RowDataPacket[]>('SELECT @@port AS port');
      expect(inThrowaway[0].port).toBe(server.port);
      await testDb.drop();
    } finally {
      await server.close();
    }
    expect(existsSync(server.dataDir)).toBe(false);
    const gone = await runMysqlLocal(['status'], { env: { LARS_MYSQL_DATA_DIR: server.dataDir } });
    expect(gone.code).toBe(EXIT_NOT_RUNNING);
    const sharedAfter = await runMysqlLocal(['status']);
    expect(sharedAfter.code).toBe(0);
    expect(statusPid(sharedAfter.stdout)).toBe(statusPid(sharedBefore.stdout));
  });
});
