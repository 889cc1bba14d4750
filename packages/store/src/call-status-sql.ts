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
 * caller): the snapshot's counts, time and state replace the row's unless the
 * row holds a later snapshot (a larger ts), so a snapshot resent late, or
 * written late by another reporter instance after a failover, does not turn
 * the row back. Rows of one key later in the batch win at an equal ts, so a
 * batch keeps each key's order. MySQL assigns left to right: ts goes last so
 * the conditions see the row's old ts.
 */
export const UPSERT_CALL_STATUS_SQL =
  'INSERT INTO ServerCallStatus (modid, cmdid, ip, port, caller, succ_cnt, err_cnt, ts, overload) VALUES ? ' +
  'ON DUPLICATE KEY UPDATE succ_cnt = IF(VALUES(ts) >= ts, VALUES(succ_cnt), succ_cnt), ' +
  'err_cnt = IF(VALUES(ts) >= ts, VALUES(err_cnt), err_cnt), ' +
  'overload = IF(VALUES(ts) >= ts, VALUES(overload), overload), ts = GREATEST(ts, VALUES(ts))';

/** Writes `rows` in one statement (the caller keeps batches within max_allowed_packet). */
export async function upsertCallStatus(conn: Connection, rows: readonly CallStatusRow[]): Promise<void> {
  if (rows.length === 0) return;
  await conn.query(UPSERT_CALL_STATUS_SQL, [rows]);
}

/** Decimal digits of a non-negative integer below 2^32, or of a negative int32 with its sign. */
function decimalLength(n: number): number {
  let len = n < 0 ? 2 : 1;
  for (let v = Math.abs(n); v >= 10; v = Math.floor(v / 10)) len++;
  return len;
}

/**
 * The bytes `row` adds to UPSERT_CALL_STATUS_SQL as mysql2 expands `VALUES ?`:
 * `(m, c, ip, port, caller, succ, err, ts, 'o')` and the `, ` before the next
 * row. ASCII only, so characters are bytes.
 */
export function callStatusRowBytes(row: CallStatusRow): number {
  // Parentheses, eight ", " separators, the quoted overload flag, and the ", " between rows.
  let n = 2 + 8 * 2 + 3 + 2;
  for (let i = 0; i < 8; i++) n += decimalLength(row[i] as number);
  return n;
}

/** The bytes of the upsert statement around its rows (the `?` replaced by them, less one row separator). */
export const UPSERT_CALL_STATUS_FIXED_BYTES = UPSERT_CALL_STATUS_SQL.length - 1 - 2;
