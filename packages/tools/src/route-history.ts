// `route history [ModID [CmdID]]`: the RouteAudit rows, newest first, one
// line each: when (UTC), the version the change produced, the route, who and
// from where, and what happened to which hosts.
import type { Connection } from 'mysql2/promise';
import { intToIp } from '@lars/proto';
import { type ReadRouteAuditOptions, readRouteAudit, type RouteAuditEntry, type RouteHost } from '@lars/store';
import type { ToolIO } from './tool-context.js';

export const HISTORY_DEFAULT_LIMIT = 20;

const hosts = (list: readonly RouteHost[]) => list.map((h) => `${intToIp(h.ip)}:${h.port}`).join(' ');

/** `2026-12-02T05:49:20.123Z version 1796190986 7/1 by alice from cli alice@host1: added 10.0.0.1:80; disabled 10.0.0.2:80`. */
export function formatHistoryEntry(e: RouteAuditEntry): string {
  const what = (['added', 'removed', 'disabled', 'enabled'] as const)
    .filter((k) => e[k].length > 0)
    .map((k) => `${k} ${hosts(e[k])}`);
  return (
    `${new Date(e.at).toISOString()} version ${e.version} ${e.modid}/${e.cmdid} by ${e.actor} from ${e.source}: ` +
    `${what.join('; ')}`
  );
}

export async function printHistory(conn: Connection, options: ReadRouteAuditOptions, io: ToolIO): Promise<void> {
  const entries = await readRouteAudit(conn, options);
  io.stdout.write(`${entries.length} change${entries.length === 1 ? '' : 's'}, newest first\n`);
  for (const e of entries) io.stdout.write(`${formatHistoryEntry(e)}\n`);
}
