import type { Connection, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { intToIp } from '@lars/proto';
import { ErrorCode, LarsError } from '@lars/wire';

/** One edit of RouteData. `ip` is the unsigned IPv4 number (ipToInt). */
export type RouteEdit =
  | { op: 'add'; modid: number; cmdid: number; ip: number; port: number }
  | { op: 'del'; modid: number; cmdid: number; ip: number; port: number }
  | { op: 'del-route'; modid: number; cmdid: number };

export interface RouteEditResult {
  edit: RouteEdit;
  /** RouteData rows added or removed by this edit (0: adding a host already there, deleting one that is not). */
  rows: number;
}

export interface RouteChangeResult {
  /** The new RouteVersion, or the unchanged one when no edit changed a row. */
  version: number;
  /** False when every edit was a no-op: nothing was bumped, nothing will be pushed. */
  changed: boolean;
  results: RouteEditResult[];
}

const INT32_MAX = 2 ** 31 - 1;
const INT32_MIN = -(2 ** 31);

/** Throws LARS_BAD_OPTION naming the first invalid field; called before anything is written. */
export function validateRouteEdit(edit: RouteEdit): void {
  const bad = (what: string) => new LarsError(ErrorCode.BAD_OPTION, `invalid route edit: ${what}`);
  for (const [name, v] of [
    ['modid', edit.modid],
    ['cmdid', edit.cmdid],
  ] as const) {
    if (!Number.isInteger(v) || v < INT32_MIN || v > INT32_MAX) throw bad(`${name} ${v} is not a 32-bit integer`);
  }
  if (edit.op === 'del-route') return;
  if (!Number.isInteger(edit.ip) || edit.ip < 0 || edit.ip > 0xffff_ffff)
    throw bad(`ip ${edit.ip} is not an IPv4 number`);
  if (!Number.isInteger(edit.port) || edit.port < 1 || edit.port > 65535)
    throw bad(`port ${edit.port} is not 1..65535`);
}

/**
 * THE way routes change (docs/architecture.md "The store"): one transaction that locks
 * RouteVersion, edits RouteData, sets version = GREATEST(UNIX_TIMESTAMP(),
 * version + 1) so two changes in one second still differ, and adds one
 * RouteChange row per changed key with that version. The DNS then pushes the
 * changed routes to subscribed agents. Every edit is validated before the
 * transaction starts; any failure rolls the whole change back.
 */
export async function changeRoutes(conn: Connection, edits: readonly RouteEdit[]): Promise<RouteChangeResult> {
  for (const edit of edits) validateRouteEdit(edit);
  await conn.beginTransaction();
  try {
    const [locked] = await conn.query<RowDataPacket[]>('SELECT version FROM RouteVersion WHERE id = 1 FOR UPDATE');
    if (locked.length === 0)
      throw new LarsError(
        ErrorCode.BAD_CONFIG,
        'RouteVersion has no row id 1: apply the schema with ./run_lars.sh db migrate',
      );
    const results: RouteEditResult[] = [];
    const changedKeys = new Map<string, { modid: number; cmdid: number }>();
    for (const edit of edits) {
      const rows = await applyEdit(conn, edit);
      results.push({ edit, rows });
      if (rows > 0) changedKeys.set(`${edit.modid}:${edit.cmdid}`, { modid: edit.modid, cmdid: edit.cmdid });
    }
    let version = Number(locked[0].version);
    if (changedKeys.size > 0) {
      await conn.query('UPDATE RouteVersion SET version = GREATEST(UNIX_TIMESTAMP(), version + 1) WHERE id = 1');
      const [after] = await conn.query<RowDataPacket[]>('SELECT version FROM RouteVersion WHERE id = 1');
      version = Number(after[0].version);
      const values = [...changedKeys.values()].map((k) => [k.modid, k.cmdid, version]);
      await conn.query('INSERT INTO RouteChange (modid, cmdid, version) VALUES ?', [values]);
    }
    await conn.commit();
    return { version, changed: changedKeys.size > 0, results };
  } catch (err) {
    await conn.rollback().catch(() => undefined);
    throw err;
  }
}

async function applyEdit(conn: Connection, edit: RouteEdit): Promise<number> {
  let result: ResultSetHeader;
  if (edit.op === 'add') {
    [result] = await conn.query<ResultSetHeader>(
      'INSERT IGNORE INTO RouteData (modid, cmdid, serverip, serverport) VALUES (?, ?, ?, ?)',
      [edit.modid, edit.cmdid, edit.ip, edit.port],
    );
  } else if (edit.op === 'del') {
    [result] = await conn.query<ResultSetHeader>(
      'DELETE FROM RouteData WHERE modid = ? AND cmdid = ? AND serverip = ? AND serverport = ?',
      [edit.modid, edit.cmdid, edit.ip, edit.port],
    );
  } else {
    [result] = await conn.query<ResultSetHeader>('DELETE FROM RouteData WHERE modid = ? AND cmdid = ?', [
      edit.modid,
      edit.cmdid,
    ]);
  }
  return result.affectedRows;
}

/** "add 1/1 192.168.1.177:7777", for messages. */
export function describeRouteEdit(edit: RouteEdit): string {
  const key = `${edit.modid}/${edit.cmdid}`;
  return edit.op === 'del-route' ? `del ${key} (whole route)` : `${edit.op} ${key} ${intToIp(edit.ip)}:${edit.port}`;
}
