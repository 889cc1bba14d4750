// The migration lock: one row of SchemaLock, taken by an atomic conditional
// UPDATE (a free row, or one whose lease ran out) and held by renewing its
// lease from a second connection while the first runs DDL.
import type { Connection, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import type { Logger } from '@lars/reactor';
import { ErrorCode, LarsError } from '@lars/wire';
import { isTransientMysqlError } from './mysql-errors.js';
import { SCHEMA_LOCK_ID, SCHEMA_LOCK_TABLE } from './migrations-tables.js';

export interface SchemaLockTiming {
  /** How long a taken lock stays valid without renewal; a runner that died is taken over after it. */
  leaseMs: number;
  /** How long to wait for another runner's lock before giving up. */
  waitMs: number;
  /** Pause between attempts while another runner holds the lock. */
  pollMs: number;
}

export interface HeldSchemaLock {
  readonly owner: string;
  /** The owner whose expired lease this runner took over, if any. */
  readonly tookOverFrom: string | null;
  /** True once a renewal found the row taken by someone else: stop before the next statement. */
  readonly lost: boolean;
  /** Stops renewing and frees the row (only if this runner still holds it). */
  release(): Promise<void>;
}

const TAKE_SQL =
  `UPDATE ${SCHEMA_LOCK_TABLE} SET owner = ?, expires_at = UTC_TIMESTAMP(3) + INTERVAL ? MICROSECOND ` +
  `WHERE id = ${SCHEMA_LOCK_ID} AND (owner IS NULL OR expires_at < UTC_TIMESTAMP(3))`;
const RENEW_SQL =
  `UPDATE ${SCHEMA_LOCK_TABLE} SET expires_at = UTC_TIMESTAMP(3) + INTERVAL ? MICROSECOND ` +
  `WHERE id = ${SCHEMA_LOCK_ID} AND owner = ?`;
const RELEASE_SQL = `UPDATE ${SCHEMA_LOCK_TABLE} SET owner = NULL, expires_at = NULL WHERE id = ${SCHEMA_LOCK_ID} AND owner = ?`;
const READ_SQL = `SELECT owner, CAST(expires_at AS CHAR) AS expires_at FROM ${SCHEMA_LOCK_TABLE} WHERE id = ${SCHEMA_LOCK_ID}`;

interface LockRow {
  owner: string | null;
  expires_at: string | null;
}

async function readLock(conn: Connection): Promise<LockRow> {
  const [rows] = await conn.query<RowDataPacket[]>(READ_SQL);
  if (rows.length === 0)
    throw new LarsError(ErrorCode.BAD_MIGRATION, `${SCHEMA_LOCK_TABLE} has no row id ${SCHEMA_LOCK_ID}`);
  return rows[0] as LockRow;
}

/** One attempt; false when another runner holds a live lease (or won a race for the row). */
async function tryTake(conn: Connection, owner: string, leaseMs: number): Promise<boolean> {
  try {
    const [r] = await conn.query<ResultSetHeader>(TAKE_SQL, [owner, leaseMs * 1000]);
    return r.affectedRows === 1;
  } catch (err) {
    // Under Galera two nodes taking the row at once: one loses certification (deadlock) and waits a round.
    if (isTransientMysqlError(err)) return false;
    throw err;
  }
}

/**
 * Takes the lock on `conn`'s database, waiting up to `timing.waitMs` for a
 * live holder, and keeps its lease renewed through `renewer` until released.
 */
export async function acquireSchemaLock(
  conn: Connection,
  renewer: Connection,
  owner: string,
  timing: SchemaLockTiming,
  logger: Logger,
): Promise<HeldSchemaLock> {
  const deadline = Date.now() + timing.waitMs;
  let before = await readLock(conn);
  let waitingLogged = false;
  while (!(await tryTake(conn, owner, timing.leaseMs))) {
    before = await readLock(conn);
    if (Date.now() >= deadline)
      throw new LarsError(
        ErrorCode.TIMEOUT,
        `schema lock held by ${before.owner ?? '(nobody)'} until ${before.expires_at ?? '-'} UTC; ` +
          `gave up after ${timing.waitMs} ms (a dead runner's lock is taken over once its lease ends)`,
      );
    if (!waitingLogged) {
      logger.info({ holder: before.owner, expiresAt: before.expires_at }, 'waiting for the schema lock');
      waitingLogged = true;
    }
    await new Promise((r) => setTimeout(r, timing.pollMs));
  }
  const tookOverFrom = before.owner !== null && before.owner !== owner ? before.owner : null;
  if (tookOverFrom !== null)
    logger.warn({ previous: tookOverFrom, expiredAt: before.expires_at }, 'took over an expired schema lock');

  let lost = false;
  let renewing: Promise<void> = Promise.resolve();
  const renew = async (): Promise<void> => {
    try {
      const [r] = await renewer.query<ResultSetHeader>(RENEW_SQL, [timing.leaseMs * 1000, owner]);
      if (r.affectedRows === 0) {
        lost = true;
        logger.error({ owner }, 'schema lock lost: another runner took it over');
      }
    } catch (err) {
      // The lease outlives a few missed renewals; a renewal that keeps failing ends in `lost` above.
      logger.warn({ err }, 'could not renew the schema lock');
    }
  };
  const timer = setInterval(
    () => {
      renewing = renewing.then(renew);
    },
    Math.max(1, Math.floor(timing.leaseMs / 3)),
  );
  timer.unref();
  return {
    owner,
    tookOverFrom,
    get lost() {
      return lost;
    },
    async release() {
      clearInterval(timer);
      await renewing;
      await conn.query(RELEASE_SQL, [owner]);
    },
  };
}
