// Brings a database to the newest schema: creates the runner's tables, takes
// the migration lock, applies each migration not yet recorded in
// SchemaVersion, records it, releases the lock.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Connection, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { type Logger, silentLogger } from '@lars/reactor';
import { ErrorCode, LarsError } from '@lars/wire';
import { acquireSchemaLock, type HeldSchemaLock, type SchemaLockTiming } from './migrations-lock.js';
import { checkMigrationSequence, loadMigrations, type Migration } from './migrations-files.js';
import { BOOTSTRAP_SQL, SCHEMA_VERSION_TABLE } from './migrations-tables.js';
import { connectMysql } from './mysql-link.js';
import type { MysqlSettings } from './mysql-settings.js';

export interface MigrateOptions {
  /** The migrations to apply; defaults to the package's migrations/ directory. */
  migrations?: readonly Migration[];
  lock?: Partial<SchemaLockTiming>;
  /** Who holds the lock and applied a migration (SchemaLock.owner, SchemaVersion.applied_by); host:pid:random by default. */
  owner?: string;
  connectTimeoutMs?: number;
  logger?: Logger;
}

const DEFAULTS = {
  lock: { leaseMs: 120_000, waitMs: 600_000, pollMs: 250 } satisfies SchemaLockTiming,
  connectTimeoutMs: 10_000,
} as const;

/**
 * Strict for every statement a migration runs: a value that does not fit its
 * new column fails the statement instead of being clamped or truncated.
 */
const SESSION_SQL_MODE = 'STRICT_ALL_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION';

export interface AppliedMigration {
  version: number;
  name: string;
  /** Affected rows of the statements marked `-- lars:count NAME`. */
  counts: Record<string, number>;
}

export interface MigrationReport {
  database: string;
  /**
   * The schema version found: null for an empty database, 0 for tables with
   * no migration recorded (the original C++ Lars schema, or a database made
   * from a checkout older than the migrations).
   */
  from: number | null;
  /** The schema version now (may be above the newest known migration when a newer runner got there first). */
  to: number;
  applied: AppliedMigration[];
  /** Owner of an expired lock this runner took over. */
  tookOverFrom: string | null;
}

interface AppliedRow {
  version: number;
  name: string;
  checksum: string;
}

function defaultOwner(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

async function connect(settings: MysqlSettings, connectTimeoutMs: number): Promise<Connection> {
  const conn = await connectMysql(settings, connectTimeoutMs);
  await conn.query('SET SESSION sql_mode = ?', [SESSION_SQL_MODE]);
  return conn;
}

async function readApplied(conn: Connection): Promise<AppliedRow[]> {
  const [rows] = await conn.query<RowDataPacket[]>(
    `SELECT version, name, checksum FROM ${SCHEMA_VERSION_TABLE} ORDER BY version`,
  );
  return rows as AppliedRow[];
}

/** 0 when Lars tables exist without any recorded migration, null when the database holds none. */
async function unversionedState(conn: Connection): Promise<0 | null> {
  const [rows] = await conn.query<RowDataPacket[]>(
    "SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'RouteData'",
  );
  return Number(rows[0].n) > 0 ? 0 : null;
}

/** The migrations still to apply; throws when the recorded ones disagree with the files. */
export function pendingMigrations(known: readonly Migration[], applied: readonly AppliedRow[]): Migration[] {
  const byVersion = new Map(known.map((m) => [m.version, m]));
  for (const row of applied) {
    const m = byVersion.get(row.version);
    if (m !== undefined && m.checksum !== row.checksum)
      throw new LarsError(
        ErrorCode.BAD_MIGRATION,
        `migration ${m.name} was applied as ${row.name} with checksum ${row.checksum}, but the file now has ` +
          `${m.checksum}: a released migration must not change; put the change in a new migration`,
      );
  }
  const done = new Set(applied.map((r) => r.version));
  const highest = Math.max(0, ...done);
  const pending = known.filter((m) => !done.has(m.version));
  const gap = pending.find((m) => m.version < highest);
  if (gap !== undefined)
    throw new LarsError(
      ErrorCode.BAD_MIGRATION,
      `migration ${gap.name} is not recorded in ${SCHEMA_VERSION_TABLE} but version ${highest} is: the record is incomplete`,
    );
  return pending;
}

async function applyMigration(
  conn: Connection,
  m: Migration,
  lock: HeldSchemaLock,
  logger: Logger,
): Promise<AppliedMigration> {
  const counts: Record<string, number> = {};
  logger.info({ migration: m.name }, 'applying migration');
  for (const s of m.statements) {
    if (lock.lost)
      throw new LarsError(
        ErrorCode.TIMEOUT,
        `migration ${m.name} stopped before line ${s.line}: the schema lock was taken over; run the migrations again`,
      );
    let result: ResultSetHeader;
    try {
      [result] = await conn.query<ResultSetHeader>(s.sql);
    } catch (err) {
      throw new LarsError(
        ErrorCode.BAD_MIGRATION,
        `migration ${m.name}, statement at line ${s.line} failed: ${(err as Error).message}. ` +
          'Fix the cause and run the migrations again: every statement is safe to run twice',
        { cause: err },
      );
    }
    if (s.count !== undefined) counts[s.count] = (counts[s.count] ?? 0) + result.affectedRows;
  }
  await conn.query(
    `INSERT INTO ${SCHEMA_VERSION_TABLE} (version, name, checksum, min_daemon_version, applied_at, applied_by) ` +
      'VALUES (?, ?, ?, ?, UTC_TIMESTAMP(3), ?)',
    [m.version, m.name, m.checksum, m.minDaemonVersion, lock.owner],
  );
  logger.info({ migration: m.name, counts }, 'migration applied');
  return { version: m.version, name: m.name, counts };
}

/**
 * Applies every pending migration to `settings.database`, which must exist;
 * `settings.user` needs DDL rights there. Safe to run from several hosts at
 * once: the runners take turns through the lock, and each migration is
 * applied exactly once.
 */
export async function migrateDatabase(settings: MysqlSettings, options: MigrateOptions = {}): Promise<MigrationReport> {
  const migrations = options.migrations ?? (await loadMigrations());
  checkMigrationSequence(migrations);
  const logger = options.logger ?? silentLogger();
  const timing = { ...DEFAULTS.lock, ...options.lock };
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs;
  const conn = await connect(settings, connectTimeoutMs);
  let renewer: Connection | null = null;
  try {
    for (const sql of BOOTSTRAP_SQL) await conn.query(sql);
    renewer = await connect(settings, connectTimeoutMs);
    const lock = await acquireSchemaLock(conn, renewer, options.owner ?? defaultOwner(), timing, logger);
    try {
      // Read only under the lock: another runner may have applied some meanwhile.
      const recorded = await readApplied(conn);
      const from = recorded.length > 0 ? Math.max(...recorded.map((r) => r.version)) : await unversionedState(conn);
      const applied: AppliedMigration[] = [];
      for (const m of pendingMigrations(migrations, recorded))
        applied.push(await applyMigration(conn, m, lock, logger));
      const to = Math.max(from ?? 0, ...applied.map((a) => a.version));
      return { database: settings.database, from, to, applied, tookOverFrom: lock.tookOverFrom };
    } finally {
      await lock
        .release()
        .catch((err: unknown) =>
          logger.warn({ err }, 'could not release the schema lock; it frees itself when its lease ends'),
        );
    }
  } finally {
    await Promise.all([renewer, conn].map((c) => c?.end().catch(() => c.destroy())));
  }
}

/** One line per applied migration and its counts, for the CLI and logs. */
export function describeMigrationReport(r: MigrationReport): string[] {
  const state = (v: number | null) => (v === null ? 'empty' : v === 0 ? '0 (no migrations recorded)' : String(v));
  const lines = [`${r.database}: schema version ${state(r.from)} -> ${r.to}`];
  if (r.tookOverFrom !== null) lines.push(`  took over the expired lock of ${r.tookOverFrom}`);
  if (r.applied.length === 0) lines.push('  nothing to apply');
  for (const a of r.applied) {
    const counts = Object.entries(a.counts).map(([k, n]) => `${k}=${n}`);
    lines.push(`  applied ${a.name}${counts.length > 0 ? `: ${counts.join(', ')}` : ''}`);
  }
  return lines;
}
