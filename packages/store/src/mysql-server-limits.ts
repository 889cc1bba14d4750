import type { Connection, RowDataPacket } from 'mysql2/promise';

/**
 * The server's `max_allowed_packet` as this session sees it: the largest
 * statement it takes. Read at every connect (a reconnect may reach another
 * node, or the server was reconfigured), so statements are sized to it.
 */
export async function readMaxAllowedPacket(c: Connection): Promise<number> {
  const [rows] = await c.query<RowDataPacket[]>('SELECT @@SESSION.max_allowed_packet AS max');
  return Number(rows[0].max);
}

/** Sets this session's innodb_lock_wait_timeout (seconds, 1 .. 1073741824): how long a statement waits for a row lock. */
export async function setLockWaitTimeout(c: Connection, seconds: number): Promise<void> {
  await c.query('SET SESSION innodb_lock_wait_timeout = ?', [seconds]);
}
