// The rolling-upgrade rule, checked by each daemon at start: every applied
// migration records the oldest daemon version that still runs against it,
// and a daemon below the highest of those refuses to start.
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { readDaemonPackageInfo, type Logger } from '@lars/reactor';
import { ErrorCode, LarsError } from '@lars/wire';
import { SCHEMA_VERSION_TABLE } from './migrations-tables.js';
import { connectMysql } from './mysql-link.js';
import { describeMysql, type MysqlSettings } from './mysql-settings.js';
import { compareSemver, isSemver } from './semver.js';

/** A daemon as the check names it: `lars-dns 0.2.0`. */
export interface DaemonIdentity {
  name: string;
  version: string;
}

export type SchemaCompatibility =
  | {
      status: 'compatible';
      /** Highest applied migration. */
      schemaVersion: number;
      /** Highest recorded min_daemon_version ('0.0.0' when no migration is recorded). */
      minDaemonVersion: string;
    }
  /** No SchemaVersion table (a database from before the migrations): not checked. */
  | { status: 'unversioned' };

const ER_NO_SUCH_TABLE = 1146;

/** The `version` of the package.json at `url` (a daemon passes `new URL('../package.json', import.meta.url)`). */
export function readPackageVersion(url: URL): string {
  const { version } = readDaemonPackageInfo(url);
  if (!isSemver(version))
    throw new LarsError(ErrorCode.BAD_CONFIG, `${url.pathname}: "version" must be MAJOR.MINOR.PATCH`);
  return version;
}

/**
 * Reads SchemaVersion on `conn` (SELECT is all it needs) and throws
 * LARS_SCHEMA_TOO_NEW, naming both versions, when `daemon` is older than
 * the highest recorded min_daemon_version. Connection errors are the
 * caller's to retry.
 */
export async function checkSchemaCompatibility(conn: Connection, daemon: DaemonIdentity): Promise<SchemaCompatibility> {
  let rows: RowDataPacket[];
  try {
    [rows] = await conn.query<RowDataPacket[]>(`SELECT version, name, min_daemon_version FROM ${SCHEMA_VERSION_TABLE}`);
  } catch (err) {
    if ((err as { errno?: unknown }).errno === ER_NO_SUCH_TABLE) return { status: 'unversioned' };
    throw err;
  }
  let schemaVersion = 0;
  let min = { version: '0.0.0', migration: '' };
  for (const r of rows) {
    schemaVersion = Math.max(schemaVersion, Number(r.version));
    if (compareSemver(String(r.min_daemon_version), min.version) > 0)
      min = { version: String(r.min_daemon_version), migration: String(r.name) };
  }
  if (compareSemver(daemon.version, min.version) < 0)
    throw new LarsError(
      ErrorCode.SCHEMA_TOO_NEW,
      `${daemon.name} ${daemon.version} is older than ${min.version}, the oldest daemon version the database's ` +
        `schema (version ${schemaVersion}, since migration ${min.migration}) still runs with: ` +
        `start a daemon of version ${min.version} or newer`,
    );
  return { status: 'compatible', schemaVersion, minDaemonVersion: min.version };
}

/** Opens a connection with the daemon's own settings, runs the check, logs its outcome. */
export async function checkDaemonSchema(
  settings: MysqlSettings,
  daemon: DaemonIdentity,
  logger: Logger,
  connectTimeoutMs: number,
): Promise<SchemaCompatibility> {
  const conn = await connectMysql(settings, connectTimeoutMs);
  try {
    const result = await checkSchemaCompatibility(conn, daemon);
    if (result.status === 'unversioned')
      logger.warn(
        { mysql: describeMysql(settings), daemon: daemon.version },
        `no ${SCHEMA_VERSION_TABLE} table: the schema predates migrations and is not checked; run ./run_lars.sh db migrate`,
      );
    else logger.info({ ...result, daemon: daemon.version }, 'schema version compatible');
    return result;
  } finally {
    await conn.end().catch(() => conn.destroy());
  }
}
