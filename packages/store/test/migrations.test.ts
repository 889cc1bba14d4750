// The schema migrations against the real MariaDB: an empty database and an
// original C++ Lars database reach the same schema (the one documented in
// sql/lars_dns.sql) with every row kept or counted; a second run, a resumed
// run and two concurrent runners change nothing more.
import { fileURLToPath } from 'node:url';
import { createConnection, type Connection, type RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '@lars/wire';
import {
  checkSchemaCompatibility,
  loadMigrations,
  migrateDatabase,
  parseMigration,
  SCHEMA_LOCK_TABLE,
  SCHEMA_VERSION_TABLE,
  type Migration,
  type MysqlSettings,
} from '../src/index.js';
import { listTables, showSchema } from '../src/schema-doc.js';
import { adminSettings, createTestDatabase, runSqlFile, type TestDatabase } from '../../../test-support/db.js';
import { SCHEMA_SQL } from '../../../test-support/repo-paths.js';

const ORIGINAL_SCHEMA = fileURLToPath(new URL('./fixtures/original-schema.sql', import.meta.url));

const SCHEMA_DOC_HEADER = `-- The Lars route store schema as the migrations in packages/store/migrations
-- produce it: SHOW CREATE TABLE of a freshly migrated database.
-- Generated documentation, checked by packages/store/test/migrations.test.ts:
-- do not edit it and do not load it; apply the schema with
--   ./run_lars.sh db migrate
-- After adding a migration, regenerate this file with
--   pnpm exec vitest run packages/store/test/migrations.test.ts -u

`;

/** The data every test compares, in a stable order. */
const DATA_QUERIES = {
  RouteData: 'SELECT id, modid, cmdid, serverip, serverport, disabled FROM RouteData ORDER BY id',
  RouteVersion: 'SELECT id, version FROM RouteVersion ORDER BY id',
  RouteChange: 'SELECT id, modid, cmdid, version FROM RouteChange ORDER BY id',
  ServerCallStatus:
    'SELECT modid, cmdid, ip, port, caller, succ_cnt, err_cnt, ts, overload FROM ServerCallStatus ORDER BY modid, cmdid, ip, port, caller',
  RouteAudit: 'SELECT * FROM RouteAudit ORDER BY id',
} as const;

/** The original fixture after migration 1: duplicates gone (first id kept), negative addresses + 2^32. */
const ORIGINAL_MIGRATED = {
  RouteData: [
    { id: 116064, modid: 1, cmdid: 1, serverip: 167772161, serverport: 80, disabled: 0 },
    { id: 116065, modid: 1, cmdid: 1, serverip: 167772162, serverport: 80, disabled: 0 },
    { id: 116067, modid: 2, cmdid: 1, serverip: 3232235953, serverport: 7777, disabled: 0 },
    { id: 116070, modid: 2, cmdid: 1, serverip: 3232235954, serverport: 7777, disabled: 0 },
    { id: 116071, modid: 3, cmdid: 2, serverip: 4294967295, serverport: 1, disabled: 0 },
    { id: 116072, modid: 3, cmdid: 2, serverip: 2130706433, serverport: 9001, disabled: 0 },
  ],
  RouteVersion: [{ id: 1, version: 1700000000 }],
  RouteChange: [{ id: 1, modid: 1, cmdid: 1, version: 1700000000 }],
  ServerCallStatus: [
    {
      modid: 1,
      cmdid: 1,
      ip: 167772161,
      port: 80,
      caller: 3232235953,
      succ_cnt: 5,
      err_cnt: 0,
      ts: 1700000002,
      overload: '0',
    },
    {
      modid: 1,
      cmdid: 1,
      ip: 167772162,
      port: 80,
      caller: 167772161,
      succ_cnt: 7,
      err_cnt: 2,
      ts: 1700000003,
      overload: '0',
    },
    {
      modid: 2,
      cmdid: 1,
      ip: 3232235953,
      port: 7777,
      caller: 167772161,
      succ_cnt: 10,
      err_cnt: 1,
      ts: 1700000000,
      overload: '0',
    },
    {
      modid: 2,
      cmdid: 1,
      ip: 3232235954,
      port: 7777,
      caller: 4294967295,
      succ_cnt: 3,
      err_cnt: 4,
      ts: 1700000001,
      overload: '1',
    },
  ],
  RouteAudit: [],
};
const ORIGINAL_COUNTS = { duplicate_hosts_removed: 3, negative_ip_converted: 2, negative_caller_converted: 2 };

let migrations: Migration[];
const databases: TestDatabase[] = [];
beforeAll(async () => {
  migrations = await loadMigrations();
});
afterAll(async () => {
  await Promise.all(databases.map((d) => d.drop()));
});

/** An empty database, or one holding the original C++ Lars schema and rows. */
async function database(kind: 'empty' | 'original'): Promise<TestDatabase> {
  const db = await createTestDatabase({ migrate: false });
  databases.push(db);
  if (kind === 'original') await runSqlFile(db, db.name, ORIGINAL_SCHEMA);
  return db;
}

async function withConnection<T>(settings: MysqlSettings, work: (c: Connection) => Promise<T>): Promise<T> {
  const conn = await createConnection(settings);
  try {
    return await work(conn);
  } finally {
    await conn.end();
  }
}

const settingsOf = (db: TestDatabase) => adminSettings(db, db.name);

/** Lars's tables (not an original's extras such as ModIDConfig), as SHOW CREATE TABLE gives them. */
async function larsSchema(db: TestDatabase): Promise<string> {
  return withConnection(settingsOf(db), async (c) => {
    const tables = (await listTables(c)).filter((t) => !['ModIDConfig', 'CmdIDConfig'].includes(t));
    return showSchema(c, tables);
  });
}

async function data(db: TestDatabase): Promise<Record<keyof typeof DATA_QUERIES, RowDataPacket[]>> {
  const out = {} as Record<keyof typeof DATA_QUERIES, RowDataPacket[]>;
  for (const [table, sql] of Object.entries(DATA_QUERIES)) {
    const [rows] = await db.admin.query<RowDataPacket[]>(sql);
    out[table as keyof typeof DATA_QUERIES] = rows;
  }
  return out;
}

async function recorded(db: TestDatabase): Promise<RowDataPacket[]> {
  const [rows] = await db.admin.query<RowDataPacket[]>(
    `SELECT version, name, checksum, min_daemon_version FROM ${SCHEMA_VERSION_TABLE} ORDER BY version`,
  );
  return rows;
}

describe('migrating an empty database', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await database('empty');
  });

  it('applies every migration once, records it, and produces the schema of sql/lars_dns.sql', async () => {
    const report = await migrateDatabase(settingsOf(db));
    expect(report).toEqual({
      database: db.name,
      from: null,
      to: migrations.length,
      applied: migrations.map((m) => ({ version: m.version, name: m.name, counts: expect.any(Object) })),
      tookOverFrom: null,
    });
    expect(await recorded(db)).toEqual(
      migrations.map((m) => ({
        version: m.version,
        name: m.name,
        checksum: m.checksum,
        min_daemon_version: m.minDaemonVersion,
      })),
    );
    expect((await data(db)).RouteVersion).toEqual([{ id: 1, version: 0 }]);
    const doc = await withConnection(settingsOf(db), async (c) => showSchema(c, await listTables(c)));
    await expect(SCHEMA_DOC_HEADER + doc).toMatchFileSnapshot(SCHEMA_SQL);
  });

  it('changes nothing when run again', async () => {
    const schema = await larsSchema(db);
    const before = await data(db);
    const again = await migrateDatabase(settingsOf(db));
    expect(again).toMatchObject({ from: migrations.length, to: migrations.length, applied: [] });
    expect(await larsSchema(db)).toBe(schema);
    expect(await data(db)).toEqual(before);
  });
});

describe('migrating the original C++ Lars schema', () => {
  let fresh: TestDatabase;
  let db: TestDatabase;
  beforeAll(async () => {
    [fresh, db] = await Promise.all([database('empty'), database('original')]);
    await migrateDatabase(settingsOf(fresh));
  });

  it('reaches the same schema as an empty database, keeping every row or counting it', async () => {
    const report = await migrateDatabase(settingsOf(db));
    expect(report.from).toBe(0);
    expect(report.to).toBe(migrations.length);
    expect(report.applied[0]).toEqual({ version: 1, name: '0001-baseline', counts: ORIGINAL_COUNTS });
    expect(await data(db)).toEqual(ORIGINAL_MIGRATED);
    expect(await larsSchema(db)).toBe(await larsSchema(fresh));
    // Tables of the original that Lars does not use are left alone.
    const [kept] = await db.admin.query<RowDataPacket[]>('SELECT modid, content FROM ModIDConfig');
    expect(kept).toEqual([{ modid: 1, content: 'kept as it is' }]);
  });

  it('keeps RouteData columns in the original positions (the original DNS reads SELECT * by position)', async () => {
    const [rows] = await db.admin.query({ sql: 'SELECT * FROM RouteData ORDER BY id LIMIT 1', rowsAsArray: true });
    // The original's five, then 0002's disabled flag, which the original DNS never reads.
    expect(rows).toEqual([[116064, 1, 1, 167772161, 80, 0]]);
  });

  it('0002: disabled is the last column, 0 for every row and for rows the original inserts; RouteAudit is empty', async () => {
    const [columns] = await db.admin.query<RowDataPacket[]>(
      "SELECT COLUMN_NAME AS c, COLUMN_TYPE AS t, IS_NULLABLE AS n, COLUMN_DEFAULT AS d FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'RouteData' ORDER BY ORDINAL_POSITION",
    );
    expect(columns.map((c) => c.c)).toEqual(['id', 'modid', 'cmdid', 'serverip', 'serverport', 'disabled']);
    expect(columns.at(-1)).toEqual({ c: 'disabled', t: 'tinyint(1)', n: 'NO', d: '0' });
    // The original web admin's insert names the four columns it knows.
    await db.admin.query('INSERT INTO RouteData (modid, cmdid, serverip, serverport) VALUES (9, 9, 167772169, 9)');
    const [flags] = await db.admin.query<RowDataPacket[]>(
      'SELECT disabled, COUNT(*) AS n FROM RouteData GROUP BY disabled',
    );
    expect(flags).toEqual([{ disabled: 0, n: ORIGINAL_MIGRATED.RouteData.length + 1 }]);
    await db.admin.query('DELETE FROM RouteData WHERE modid = 9');
    const [audit] = await db.admin.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM RouteAudit');
    expect(audit).toEqual([{ n: 0 }]);
    expect((await recorded(db)).find((r) => r.version === 2)).toMatchObject({
      name: '0002-route-disable-audit',
      min_daemon_version: '0.0.0',
    });
  });

  it('changes nothing when run again', async () => {
    const before = await data(db);
    expect(await migrateDatabase(settingsOf(db))).toMatchObject({ applied: [] });
    expect(await data(db)).toEqual(before);
  });
});

describe('a migration stopped half way', () => {
  it('resumes from any statement of any migration to the same schema and rows', async () => {
    // One database per stopping point: migration k stopped after its statement i (the last one
    // too: stopped before the runner recorded it), the migrations before k applied and recorded.
    const stops = migrations.flatMap((m, k) => m.statements.map((_, i) => ({ k, i })));
    const [expected, ...dbs] = await Promise.all([database('empty'), ...stops.map(() => database('original'))]);
    await migrateDatabase(settingsOf(expected));
    const schema = await larsSchema(expected);
    await Promise.all(
      dbs.map(async (db, n) => {
        const { k, i } = stops[n];
        if (k > 0) await migrateDatabase(settingsOf(db), { migrations: migrations.slice(0, k) });
        await withConnection(settingsOf(db), async (c) => {
          for (const s of migrations[k].statements.slice(0, i + 1)) await c.query(s.sql);
        });
        const report = await migrateDatabase(settingsOf(db));
        expect(report.applied.map((a) => a.name)).toEqual(migrations.slice(k).map((m) => m.name));
        expect(await data(db)).toEqual(ORIGINAL_MIGRATED);
        expect(await larsSchema(db)).toBe(schema);
      }),
    );
  });
});

describe('concurrent runners', () => {
  // Not idempotent on purpose: applied twice, it would leave two rows.
  const counter = parseMigration(
    '0002-test-counter.sql',
    '-- lars:min_daemon_version 0.0.0\n' +
      'CREATE TABLE IF NOT EXISTS MigrationRuns (id INT NOT NULL AUTO_INCREMENT, PRIMARY KEY (id));\n' +
      'INSERT INTO MigrationRuns () VALUES ();\n',
  );

  it('apply each migration exactly once when two start together', async () => {
    const db = await database('original');
    const set = [...migrations, { ...counter, version: migrations.length + 1 }];
    const lock = { pollMs: 10 };
    const reports = await Promise.all([
      migrateDatabase(settingsOf(db), { migrations: set, owner: 'runner-a', lock }),
      migrateDatabase(settingsOf(db), { migrations: set, owner: 'runner-b', lock }),
    ]);
    const applied = reports.flatMap((r) => r.applied.map((a) => a.version)).sort();
    expect(applied).toEqual(set.map((m) => m.version));
    // The lock serialises whole runs: one runner applied everything, the other found it done.
    expect(reports.map((r) => r.applied.length).sort()).toEqual([0, set.length]);
    const [runs] = await db.admin.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM MigrationRuns');
    expect(runs[0].n).toBe(1);
    expect((await recorded(db)).map((r) => r.version)).toEqual(set.map((m) => m.version));
    expect(await data(db)).toEqual(ORIGINAL_MIGRATED);
    const [lockRow] = await db.admin.query<RowDataPacket[]>(`SELECT owner, expires_at FROM ${SCHEMA_LOCK_TABLE}`);
    expect(lockRow).toEqual([{ owner: null, expires_at: null }]);
  });
});

describe('the migration lock', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await database('empty');
    await migrateDatabase(settingsOf(db));
  });
  const setLock = (owner: string, secondsFromNow: number) =>
    db.admin.query(
      `UPDATE ${SCHEMA_LOCK_TABLE} SET owner = ?, expires_at = UTC_TIMESTAMP(3) + INTERVAL ? SECOND WHERE id = 1`,
      [owner, secondsFromNow],
    );

  it('is taken over once the holder lease has run out', async () => {
    await setLock('dead-runner', -1);
    const report = await migrateDatabase(settingsOf(db));
    expect(report.tookOverFrom).toBe('dead-runner');
  });

  it('makes a runner give up naming the live holder', async () => {
    await setLock('live-runner', 3600);
    await expect(migrateDatabase(settingsOf(db), { lock: { waitMs: 0 } })).rejects.toMatchObject({
      code: ErrorCode.TIMEOUT,
      message: expect.stringContaining('schema lock held by live-runner'),
    });
    await setLock('live-runner', -1);
  });

  it('refuses a migration whose file changed after it was applied', async () => {
    await db.admin.query(`UPDATE ${SCHEMA_VERSION_TABLE} SET checksum = ? WHERE version = 1`, ['0'.repeat(64)]);
    await expect(migrateDatabase(settingsOf(db))).rejects.toMatchObject({
      code: ErrorCode.BAD_MIGRATION,
      message: expect.stringContaining('0001-baseline'),
    });
    await db.admin.query(`UPDATE ${SCHEMA_VERSION_TABLE} SET checksum = ? WHERE version = 1`, [migrations[0].checksum]);
  });
});

describe('checkSchemaCompatibility (as the daemons user, SELECT only)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await database('empty');
    await migrateDatabase(settingsOf(db));
    await db.admin.query(
      `INSERT INTO ${SCHEMA_VERSION_TABLE} (version, name, checksum, min_daemon_version, applied_at, applied_by)
       VALUES (90, '0090-breaking', ?, '0.10.0', UTC_TIMESTAMP(3), 'test'), (91, '0091-additive', ?, '0.3.0', UTC_TIMESTAMP(3), 'test')`,
      ['a'.repeat(64), 'b'.repeat(64)],
    );
  });
  const asDaemon = <T>(work: (c: Connection) => Promise<T>) =>
    withConnection({ host: db.host, port: db.port, user: db.user, password: db.password, database: db.name }, work);

  it('lets a daemon at or above the highest min_daemon_version (by semver, not text) start', async () => {
    await expect(
      asDaemon((c) => checkSchemaCompatibility(c, { name: 'lars-dns', version: '0.10.0' })),
    ).resolves.toEqual({
      status: 'compatible',
      schemaVersion: 91,
      minDaemonVersion: '0.10.0',
    });
  });

  it('refuses an older daemon, naming both versions', async () => {
    await expect(
      asDaemon((c) => checkSchemaCompatibility(c, { name: 'lars-dns', version: '0.9.1' })),
    ).rejects.toMatchObject({
      code: ErrorCode.SCHEMA_TOO_NEW,
      message: expect.stringMatching(/lars-dns 0\.9\.1 is older than 0\.10\.0.*0090-breaking/),
    });
  });

  it('calls a database without the version table unversioned', async () => {
    const bare = await database('original');
    await expect(
      withConnection(
        { host: bare.host, port: bare.port, user: bare.user, password: bare.password, database: bare.name },
        (c) => checkSchemaCompatibility(c, { name: 'lars-dns', version: '0.2.0' }),
      ),
    ).resolves.toEqual({ status: 'unversioned' });
  });
});
