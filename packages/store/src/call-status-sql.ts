import type { Connection } from 'mysql2/promise';

/** One ServerCallStatus row, in column order, as mysql2 expands it for `VALUES ?`. */
export type CallStatusRow = [
  modid: number,
  cmdid: number,
  ip: number,
  port: number,
  caller: number,
  succ: number,
  err: number,
  ts: number,
  overload: '1' | '0',
];

/**
 * One multi-row upsert of ServerCallStatus keyed (modid, cmdid, ip, port,
 * caller): the snapshot's counts, time and state replace the row's. Rows of
 * one key later in the batch win, so a batch keeps each key's order.
 */
export const UPSERT_CALL_STATUS_SQL =
  'INSERT INTO ServerCallStatus (modid, cmdid, ip, port, caller, succ_cnt, err_cnt, ts, overload) VALUES ? ' +
  'ON DUPLICATE KEY UPDATE succ_cnt = VALUES(succ_cnt), err_cnt = VALUES(err_cnt), ts = VALUES(ts), overload = VALUES(overload)';

/** Writes `rows` in one statement (the caller keeps batches within max_allowed_packet). */
export async function upsertCallStatus(conn: Connection, rows: readonly CallStatusRow[]): Promise<void> {
  if (rows.length === 0) return;
  await conn.query(UPSERT_CALL_STATUS_SQL, [rows]);
}
