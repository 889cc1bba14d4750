import { intToIp, ipToInt, parseIpv4 } from '@lars/proto';
import type { Pool, RowDataPacket } from 'mysql2/promise';

export interface RouteHost {
  ip: string;
  port: number;
  /** Kept in the route but not served (drained). */
  disabled: boolean;
}

export interface RouteSummary {
  modid: number;
  cmdid: number;
  hosts: RouteHost[];
}

export interface RouteFilter {
  modid?: number;
  cmdid?: number;
  /** A dotted IPv4 address: the routes holding that host. */
  ip?: string;
  /** At most this many host rows are read (the answer says when it stopped there). */
  limit: number;
}

export interface RouteList {
  routes: RouteSummary[];
  hostCount: number;
  /** More rows matched than `limit`: narrow the search. */
  truncated: boolean;
}

/**
 * RouteData grouped by (modid, cmdid), in key order, hosts in address
 * order. Filters combine (AND). One indexed query: the unique key
 * (modid, cmdid, serverip, serverport) serves the order and a modid prefix.
 */
export async function listRoutes(pool: Pool, f: RouteFilter): Promise<RouteList> {
  const where: string[] = [];
  const args: unknown[] = [];
  if (f.modid !== undefined) {
    where.push('modid = ?');
    args.push(f.modid);
  }
  if (f.cmdid !== undefined) {
    where.push('cmdid = ?');
    args.push(f.cmdid);
  }
  if (f.ip !== undefined) {
    where.push('(modid, cmdid) IN (SELECT modid, cmdid FROM RouteData WHERE serverip = ?)');
    args.push(ipToInt(f.ip));
  }
  const sql = `SELECT modid, cmdid, serverip, serverport, disabled FROM RouteData
    ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`}
    ORDER BY modid, cmdid, serverip, serverport LIMIT ?`;
  const [rows] = await pool.query<RowDataPacket[]>(sql, [...args, f.limit + 1]);
  const truncated = rows.length > f.limit;
  const routes: RouteSummary[] = [];
  let last: RouteSummary | undefined;
  for (const r of truncated ? rows.slice(0, f.limit) : rows) {
    if (last === undefined || last.modid !== r.modid || last.cmdid !== r.cmdid) {
      last = { modid: r.modid, cmdid: r.cmdid, hosts: [] };
      routes.push(last);
    }
    last.hosts.push({
      ip: intToIp(Number(r.serverip)),
      port: Number(r.serverport),
      disabled: Number(r.disabled) !== 0,
    });
  }
  return { routes, hostCount: Math.min(rows.length, f.limit), truncated };
}

/**
 * The search box's text as a filter: `12` (modid), `12 3` or `12/3` (modid
 * and cmdid), a dotted IPv4 address (routes holding it). Anything else is
 * not a search: null, and the page says what it takes.
 */
export function parseSearch(q: string): Omit<RouteFilter, 'limit'> | null {
  const s = q.trim();
  if (s === '') return {};
  const m = /^(\d{1,10})(?:\s*[\s/,]\s*(\d{1,10}))?$/.exec(s);
  if (m !== null) {
    const modid = Number(m[1]);
    const cmdid = m[2] === undefined ? undefined : Number(m[2]);
    if (modid > 0x7fffffff || (cmdid ?? 0) > 0x7fffffff) return null;
    return cmdid === undefined ? { modid } : { modid, cmdid };
  }
  return parseIpv4(s) >= 0 ? { ip: s } : null;
}
