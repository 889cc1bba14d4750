import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createConnection, createPool } from 'mysql2/promise';
import type { Connection, Pool } from 'mysql2/promise';
import { migrateDatabase, type MigrationReport } from '@lars/store';
import { checkOption, ErrorCode, LarsError } from '@lars/wire';
import { SAMPLE_SQL } from './repo-paths.js';

/** Where the local MySQL is and how to log in; env first, then the script's defaults. */
export interface MysqlTestEnv {
  host: string;
  port: number;
  /** The daemons' least-privilege user. */
  user: string;
  password: string;
  adminUser: string;
  adminPassword: string;
}

export interface TestDatabaseOptions {
  /** Defaults to LARS_MYSQL_DB_HOST or 127.0.0.1. */
  host?: string;
  /** Defaults to LARS_MYSQL_DB_PORT or 3306 (a throwaway server passes its own). */
  port?: number;
  /** false: leave the database empty (tests of the migrations themselves). Default true. */
  migrate?: boolean;
}

export interface TestDatabase extends MysqlTestEnv {
  /** `lars_test_<random hex>`, at the newest schema version. */
  readonly name: string;
  /** What the migration runner did to create it (null with `migrate: false`). */
  readonly migration: MigrationReport | null;
  /** Admin pool with `name` selected: for fixtures and assertions. */
  readonly admin: Pool;
  /** Drops the database and ends the pool; safe to call twice. */
  drop(): Promise<void>;
}

const DEFAULTS = {
  host: '127.0.0.1',
  port: 3306,
  user: 'lars',
  password: 'lars',
  adminUser: 'lars_admin',
  adminPassword: 'lars_admin',
  poolSize: 4,
} as const;

const TEST_DB_PREFIX = 'lars_test_';

export function mysqlTestEnv(env: NodeJS.ProcessEnv = process.env): MysqlTestEnv {
  const port = env.LARS_MYSQL_DB_PORT === undefined ? DEFAULTS.port : Number(env.LARS_MYSQL_DB_PORT);
  checkOption(Number.isInteger(port) && port > 0 && port <= 65_535, 'LARS_MYSQL_DB_PORT', 'must be a port number');
  return {
    host: env.LARS_MYSQL_DB_HOST ?? DEFAULTS.host,
    port,
    user: DEFAULTS.user,
    password: env.LARS_MYSQL_DB_PASSWD ?? DEFAULTS.password,
    adminUser: DEFAULTS.adminUser,
    adminPassword: env.LARS_MYSQL_ADMIN_PASSWD ?? DEFAULTS.adminPassword,
  };
}

async function connectAdmin(target: MysqlTestEnv, database?: string): Promise<Connection> {
  try {
    return await createConnection({
      host: target.host,
      port: target.port,
      user: target.adminUser,
      password: target.adminPassword,
      database,
      multipleStatements: true,
    });
  } catch (err) {
    throw new LarsError(
      ErrorCode.NOT_CONNECTED,
      `cannot reach MySQL at ${target.host}:${target.port} as ${target.adminUser} ` +
        `(is it up? bash scripts/mysql-local.sh start): ${(err as Error).message}`,
      { cause: err },
    );
  }
}

/** Runs a multi-statement SQL file in `database` as the admin user. */
export async function runSqlFile(target: MysqlTestEnv, database: string, file: string): Promise<void> {
  const sql = await readFile(file, 'utf8');
  const conn = await connectAdmin(target, database);
  try {
    await conn.query(sql);
  } finally {
    await conn.end();
  }
}

/** The admin user's settings for `database`, as the migration runner takes them. */
export function adminSettings(target: MysqlTestEnv, database: string) {
  return { host: target.host, port: target.port, user: target.adminUser, password: target.adminPassword, database };
}

/**
 * Creates a fresh `lars_test_<random>` database through the schema
 * migration runner (so every test file exercises it), so test files running
 * in parallel never share tables. Call drop() afterwards.
 */
export async function createTestDatabase(options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  const base = mysqlTestEnv();
  const target: MysqlTestEnv = { ...base, host: options.host ?? base.host, port: options.port ?? base.port };
  checkOption(
    Number.isInteger(target.port) && target.port > 0 && target.port <= 65_535,
    'port',
    'must be a port number',
  );
  const name = `${TEST_DB_PREFIX}${randomBytes(6).toString('hex')}`;

  const conn = await connectAdmin(target);
  try {
    await conn.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci`);
  } finally {
    await conn.end();
  }
  let migration: MigrationReport | null = null;
  try {
    if (options.migrate !== false) migration = await migrateDatabase(adminSettings(target, name));
  } catch (err) {
    await dropDatabase(target, name).catch(() => undefined);
    throw err;
  }

  const admin = createPool({
    host: target.host,
    port: target.port,
    user: target.adminUser,
    password: target.adminPassword,
    database: name,
    connectionLimit: DEFAULTS.poolSize,
  });
  let dropped: Promise<void> | null = null;
  return {
    ...target,
    name,
    migration,
    admin,
    drop() {
      dropped ??= (async () => {
        await admin.end();
        await dropDatabase(target, name);
      })();
      return dropped;
    },
  };
}

async function dropDatabase(target: MysqlTestEnv, name: string): Promise<void> {
  const conn = await connectAdmin(target);
  try {
    await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
  } finally {
    await conn.end();
  }
}

/** Loads sql/lars_dns_sample.sql (modid 1..10, cmdid 1) into the test database. */
export function loadSampleRoutes(db: TestDatabase): Promise<void> {
  return runSqlFile(db, db.name, SAMPLE_SQL);
}
