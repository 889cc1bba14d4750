import { intToIp } from '@lars/proto';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import type { StatusRow, WindowRow } from './alert-rules.js';
import type { RollupPoint } from './call-series.js';

/** One ServerCallStatus row, addresses dotted. */
export interface CallRow {
  modid: number;
  cmdid: number;
  ip: string;
  port: number;
  caller: string;
  succ: number;
  err: number;
  overload: boolean;
  /** Last report, unix seconds (the agent's clock). */
  ts: number;
}

export interface CallFilter {
  modid?: number;
  limit: number;
  offset: number;
}

export interface CallList {
  calls: CallRow[];
  /** More rows follow (the next page starts at offset + limit). */
  truncated: boolean;
}

const toCall = (r: RowDataPacket): CallRow => ({
  modid: Number(r.modid),
  cmdid: Number(r.cmdid),
  ip: intToIp(Number(r.ip)),
  port: Number(r.port),
  caller: intToIp(Number(r.caller)),
  succ: Number(r.succ_cnt),
  err: Number(r.err_cnt),
  overload: r.overload === '1',
  ts: Number(r.ts),
});

const CALL_COLUMNS = 'modid, cmdid, ip, port, caller, succ_cnt, err_cnt, ts, overload';

/** ServerCallStatus newest report first (the k_ts key of migration 0003), then key order. */
export async function listCalls(pool: Pool, f: CallFilter): Promise<CallList> {
  const where = f.modid === undefined ? '' : 'WHERE modid = ?';
  const args: unknown[] = f.modid === undefined ? [] : [f.modid];
  const [rows] = await pool.query<RowDataPacket[]>(
    `SELECT ${CALL_COLUMNS} FROM ServerCallStatus ${where}
     ORDER BY ts DESC, modid, cmdid, ip, port, caller LIMIT ? OFFSET ?`,
    [...args, f.limit + 1, f.offset],
  );
  const truncated = rows.length > f.limit;
  return { calls: (truncated ? rows.slice(0, f.limit) : rows).map(toCall), truncated };
}

/** One host of a route: its callers' rows. */
export interface HostCalls {
  ip: string;
  port: number;
  succ: number;
  err: number;
  overload: boolean;
  /** The newest of its callers' reports, unix seconds. */
  ts: number;
  callers: CallRow[];
}

/** The route's ServerCallStatus rows grouped by host (address order), callers in address order. */
export async function routeCalls(pool: Pool, modid: number, cmdid: number): Promise<HostCalls[]> {
  const [rows] = await pool.query<RowDataPacket[]>(
    `SELECT ${CALL_COLUMNS} FROM ServerCallStatus WHERE modid = ? AND cmdid = ? ORDER BY ip, port, caller`,
    [modid, cmdid],
  );
  const hosts: HostCalls[] = [];
  let last: HostCalls | undefined;
  for (const c of rows.map(toCall)) {
    if (last === undefined || last.ip !== c.ip || last.port !== c.port) {
      last = { ip: c.ip, port: c.port, succ: 0, err: 0, overload: false, ts: 0, callers: [] };
      hosts.push(last);
    }
    last.succ += c.succ;
    last.err += c.err;
    last.overload ||= c.overload;
    last.ts = Math.max(last.ts, c.ts);
    last.callers.push(c);
  }
  return hosts;
}

/** The route's rollup buckets from `fromS` on, summed over callers in SQL (the primary key's prefix). */
export async function routeRollup(pool: Pool, modid: number, cmdid: number, fromS: number): Promise<RollupPoint[]> {
  const [rows] = await pool.query<RowDataPacket[]>(
    `SELECT ip, port, minute, SUM(succ) AS succ, SUM(err) AS err FROM CallStatusMinute
     WHERE modid = ? AND cmdid = ? AND minute >= ? GROUP BY ip, port, minute`,
    [modid, cmdid, fromS],
  );
  return rows.map((r) => ({
    ip: intToIp(Number(r.ip)),
    port: Number(r.port),
    minute: Number(r.minute),
    succ: Number(r.succ),
    err: Number(r.err),
  }));
}

/** What evaluateAlerts reads: the overloaded snapshots and the window's rollup rows (k_minute). */
export async function alertInputs(pool: Pool, fromS: number): Promise<{ status: StatusRow[]; window: WindowRow[] }> {
  const [s] = await pool.query<RowDataPacket[]>(`SELECT ${CALL_COLUMNS} FROM ServerCallStatus WHERE overload = '1'`);
  const [w] = await pool.query<RowDataPacket[]>(
    'SELECT modid, cmdid, ip, port, caller, minute, succ, err, overload FROM CallStatusMinute WHERE minute >= ?',
    [fromS],
  );
  return {
    status: s.map(toCall),
    window: w.map((r) => ({
      modid: Number(r.modid),
      cmdid: Number(r.cmdid),
      ip: intToIp(Number(r.ip)),
      port: Number(r.port),
      caller: intToIp(Number(r.caller)),
      minute: Number(r.minute),
      succ: Number(r.succ),
      err: Number(r.err),
      overload: r.overload === '1',
    })),
  };
}
