// One route's rows as the route pages show and change them: hosts with their
// disabled flag, the RouteVersion, and a fingerprint of the host set that a
// confirm page carries so that apply can tell the route changed meanwhile.
import { createHash } from 'node:crypto';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import type { PreviewHost } from './route-edit-preview.js';

export interface RouteState {
  modid: number;
  cmdid: number;
  /** In address order. */
  hosts: PreviewHost[];
  /** RouteVersion (0 when the table has no row yet). */
  version: number;
  fingerprint: string;
}

/** SHA-256 of the sorted `ip:port:disabled` lines, base64url: equal exactly when the host set and flags are. */
export function routeFingerprint(hosts: readonly PreviewHost[]): string {
  const lines = hosts.map((h) => `${h.ip}:${h.port}:${h.disabled ? 1 : 0}`).sort();
  return createHash('sha256').update(lines.join('\n')).digest('base64url');
}

export async function readRoute(pool: Pool, modid: number, cmdid: number): Promise<RouteState> {
  const [rows] = await pool.query<RowDataPacket[]>(
    'SELECT serverip, serverport, disabled FROM RouteData WHERE modid = ? AND cmdid = ? ORDER BY serverip, serverport',
    [modid, cmdid],
  );
  const [v] = await pool.query<RowDataPacket[]>('SELECT version FROM RouteVersion WHERE id = 1');
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
