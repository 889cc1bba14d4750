import type { Connection, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import type { CallStatusRow } from './call-status-sql.js';

/** One CallStatusMinute row, in column order, as mysql2 expands it for `VALUES ?`. */
export type RollupRow = [
  modid: number,
  cmdid: number,
  ip: number,
  port: number,
  caller: number,
  minute: number,
  succ: number,
  err: number,
  overload: '1' | '0',
];

/** The key of one ServerCallStatus row: (modid, cmdid, ip, port, caller). */
export type CallStatusKey = [modid: number, cmdid: number, ip: number, port: number, caller: number];

/**
 * Adds each row's calls to its bucket (migration 0003): a bucket written by
 * several statements, writers or reporter instances sums what each counted.
 */
export const UPSERT_ROLLUP_SQL =
  'INSERT INTO CallStatusMinute (modid, cmdid, ip, port, caller, minute, succ, err, overload) VALUES ? ' +
  'ON DUPLICATE KEY UPDATE succ = succ + VALUES(succ), err = err + VALUES(err), overload = GREATEST(overload, VALUES(overload))';

const UPSERT_ROLLUP_HEAD = UPSERT_ROLLUP_SQL.slice(0, UPSERT_ROLLUP_SQL.indexOf('?'));
const UPSERT_ROLLUP_TAIL = UPSERT_ROLLUP_SQL.slice(UPSERT_ROLLUP_SQL.indexOf('?') + 1);

/**
 * Writes `rows` in one statement. The text is built here rather than by
 * mysql2's `VALUES ?` expansion (escaping every value of every row): a
 * rollup row is integers and a '0'/'1' flag, so plain concatenation gives the
 * same text, byte for byte (rollupRowBytes), at a fraction of the CPU (the
 * rollup's budget: bench/reporter-ingest.ts). The counter only ever puts
 * integers there (the writer's u32/i32 record fields and their sums).
 */
export async function upsertRollup(conn: Connection, rows: readonly RollupRow[]): Promise<void> {
  if (rows.length === 0) return;
  await conn.query(upsertRollupSql(rows));
}

/** The upsert statement of `rows` (non-empty), as mysql2 would expand UPSERT_ROLLUP_SQL. */
export function upsertRollupSql(rows: readonly RollupRow[]): string {
  let sql = UPSERT_ROLLUP_HEAD;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    sql += `${i === 0 ? '' : ', '}(${r[0]}, ${r[1]}, ${r[2]}, ${r[3]}, ${r[4]}, ${r[5]}, ${r[6]}, ${r[7]}, '${r[8] === '1' ? '1' : '0'}')`;
  }
  return sql + UPSERT_ROLLUP_TAIL;
}

/** Same shape as a ServerCallStatus row (nine integer-ish fields, the last a quoted flag). */
export function rollupRowBytes(row: RollupRow): number {
  let n = 2 + 8 * 2 + 3 + 2;
  for (let i = 0; i < 8; i++) n += decimalLength(row[i] as number);
  return n;
}

export const UPSERT_ROLLUP_FIXED_BYTES = UPSERT_ROLLUP_SQL.length - 1 - 2;

/** Decimal digits of an integer (with its sign): comparisons, not a division per digit (every rollup row is sized). */
function decimalLength(n: number): number {
  if (n < 0) return 1 + decimalLength(-n);
  if (n < 100_000) return n < 10 ? 1 : n < 100 ? 2 : n < 1000 ? 3 : n < 10_000 ? 4 : 5;
  if (n < 10_000_000_000) return n < 1_000_000 ? 6 : n < 10_000_000 ? 7 : n < 100_000_000 ? 8 : n < 1e9 ? 9 : 10;
  let len = 11;
  for (let v = n; v >= 1e11; v = Math.floor(v / 10)) len++;
  return len;
}

/** At most this many keys per SELECT of readCallStatus (about 60 bytes each: far below any max_allowed_packet). */
export const READ_CALL_STATUS_KEYS = 1000;

/**
 * The ServerCallStatus rows of `keys` (those that exist), as CallStatusRows:
 * the last snapshot any reporter wrote for each (the rollup's starting point
 * for a key a writer has not seen yet).
 */
export async function readCallStatus(conn: Connection, keys: readonly CallStatusKey[]): Promise<CallStatusRow[]> {
  const out: CallStatusRow[] = [];
  for (let i = 0; i < keys.length; i += READ_CALL_STATUS_KEYS) {
    const [rows] = await conn.query<RowDataPacket[]>(
      'SELECT modid, cmdid, ip, port, caller, succ_cnt, err_cnt, ts, overload FROM ServerCallStatus ' +
        'WHERE (modid, cmdid, ip, port, caller) IN (?)',
      [keys.slice(i, i + READ_CALL_STATUS_KEYS)],
    );
    for (const r of rows)
      out.push([
        Number(r.modid),
        Number(r.cmdid),
        Number(r.ip),
        Number(r.port),
        Number(r.caller),
        Number(r.succ_cnt),
        Number(r.err_cnt),
        Number(r.ts),
        r.overload === '1' ? '1' : '0',
      ]);
  }
  return out;
}

/** What the reporter's sweep deletes, one small statement at a time. */
export const PruneTarget = {
  /** CallStatusMinute buckets that started before the cutoff (unix seconds). */
  ROLLUP: 'rollup',
  /** ServerCallStatus rows last reported before the cutoff. */
  STALE_STATUS: 'stale_status',
  /**
   * ServerCallStatus rows, last reported before the cutoff, of hosts that no
   * route in RouteData holds (the DNS's table, in the same database). Never
   * run while RouteData is empty (see pruneOnce).
   */
  ORPHAN_STATUS: 'orphan_status',
} as const;
export type PruneTarget = (typeof PruneTarget)[keyof typeof PruneTarget];

const PRUNE_SQL: Record<PruneTarget, string> = {
  [PruneTarget.ROLLUP]: 'DELETE FROM CallStatusMinute WHERE minute < ? LIMIT ?',
  [PruneTarget.STALE_STATUS]: 'DELETE FROM ServerCallStatus WHERE ts < ? LIMIT ?',
  [PruneTarget.ORPHAN_STATUS]:
    'DELETE FROM ServerCallStatus WHERE ts < ? AND NOT EXISTS (SELECT 1 FROM RouteData r ' +
    'WHERE r.modid = ServerCallStatus.modid AND r.cmdid = ServerCallStatus.cmdid ' +
    'AND r.serverip = ServerCallStatus.ip AND r.serverport = ServerCallStatus.port) LIMIT ?',
};

/**
 * One DELETE of at most `limit` rows of `target` older than `cutoff`; resolves
 * with the rows deleted. ORPHAN_STATUS deletes nothing while RouteData has no
 * row at all: an empty or freshly restored route table must not wipe the
 * call status of every host.
 */
export async function pruneOnce(conn: Connection, target: PruneTarget, cutoff: number, limit: number): Promise<number> {
  if (target === PruneTarget.ORPHAN_STATUS) {
    const [any] = await conn.query<RowDataPacket[]>('SELECT 1 FROM RouteData LIMIT 1');
    if (any.length === 0) return 0;
  }
  const [res] = await conn.query<ResultSetHeader>(PRUNE_SQL[target], [cutoff, limit]);
  return res.affectedRows;
}
