// One route's rows as the route pages show and change them: hosts with their
// disabled flag, the RouteVersion, and a fingerprint of the host set that a
// confirm page carries so that apply can tell the route changed meanwhile.
import { createHash } from 'node:crypto';
import type { RouteEditResult } from '@lars/store';
import type { Connection, RowDataPacket } from 'mysql2/promise';

/** A host of a route as RouteData holds it. */
export interface RouteHostRow {
  ip: number;
  port: number;
  disabled: boolean;
}

export interface RouteState {
  modid: number;
  cmdid: number;
  /** In address order. */
  hosts: RouteHostRow[];
  /** RouteVersion (0 when the table has no row yet). */
  version: number;
  fingerprint: string;
}

/** SHA-256 of the sorted `ip:port:disabled` lines, base64url: equal exactly when the host set and flags are. */
export function routeFingerprint(hosts: readonly RouteHostRow[]): string {
  const lines = hosts.map((h) => `${h.ip}:${h.port}:${h.disabled ? 1 : 0}`).sort();
  return createHash('sha256').update(lines.join('\n')).digest('base64url');
}

/** `conn`: the pool, or a transaction's connection (changeRoutes' precondition). */
export async function readRoute(conn: Connection, modid: number, cmdid: number): Promise<RouteState> {
  const [rows] = await conn.query<RowDataPacket[]>(
    'SELECT serverip, serverport, disabled FROM RouteData WHERE modid = ? AND cmdid = ? ORDER BY serverip, serverport',
    [modid, cmdid],
  );
  const [v] = await conn.query<RowDataPacket[]>('SELECT version FROM RouteVersion WHERE id = 1');
  const hosts = rows.map((r) => ({
    ip: Number(r.serverip),
    port: Number(r.serverport),
    disabled: Number(r.disabled) !== 0,
  }));
  return {
    modid,
    cmdid,
    hosts,
    version: v.length === 0 ? 0 : Number(v[0].version),
    fingerprint: routeFingerprint(hosts),
  };
}

/**
 * The route's hosts after `results` (changeRoutes' per-edit outcome, a dry
 * run's included), from the hosts before: each edit's removes, adds (enabled),
 * disables and enables, in edit order. In address order.
 */
export function hostsAfter(before: readonly RouteHostRow[], results: readonly RouteEditResult[]): RouteHostRow[] {
  const key = (h: { ip: number; port: number }) => h.ip * 65_536 + h.port;
  const hosts = new Map(before.map((h) => [key(h), { ...h }]));
  for (const { changes: c } of results) {
    for (const h of c.removed) hosts.delete(key(h));
    for (const h of c.added) hosts.set(key(h), { ip: h.ip, port: h.port, disabled: false });
    for (const h of c.disabled) hosts.get(key(h))!.disabled = true;
    for (const h of c.enabled) hosts.get(key(h))!.disabled = false;
  }
  return [...hosts.values()].sort((a, b) => key(a) - key(b));
}
