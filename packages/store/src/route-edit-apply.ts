// One RouteEdit applied inside changeRoutes's transaction (RouteVersion is
// locked, so route changes are serialised): what it changed, host by host,
// for the result and the audit row, or why it changed nothing.
import type { Connection, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { emptyHostChanges, type RouteHost, type RouteHostChanges } from './route-audit.js';
import type { RouteEdit } from './route-change.js';

/** Why an edit changed nothing. */
export const RouteEditNoop = {
  /** add: the host is in the route already (enabled or disabled). */
  PRESENT: 'present',
  /** del, disable, enable: the host is not in the route; del-route: the route has no host. */
  ABSENT: 'absent',
  ALREADY_DISABLED: 'already-disabled',
  ALREADY_ENABLED: 'already-enabled',
  /** replace: the route has exactly these hosts. */
  SAME_HOSTS: 'same-hosts',
} as const;
export type RouteEditNoop = (typeof RouteEditNoop)[keyof typeof RouteEditNoop];

export interface AppliedEdit {
  /** RouteData rows added, removed or flipped. */
  rows: number;
  changes: RouteHostChanges;
  noop?: RouteEditNoop;
}

/** Rows per statement of a replace: far below max_allowed_packet. */
const CHUNK = 1000;

const hostKey = (h: RouteHost) => h.ip * 65_536 + h.port;

function done(changes: RouteHostChanges): AppliedEdit {
  const rows = changes.added.length + changes.removed.length + changes.disabled.length + changes.enabled.length;
  return { rows, changes };
}

const noop = (why: RouteEditNoop): AppliedEdit => ({ rows: 0, changes: emptyHostChanges(), noop: why });

async function routeHosts(conn: Connection, modid: number, cmdid: number): Promise<RouteHost[]> {
  const [rows] = await conn.query<RowDataPacket[]>(
    'SELECT serverip, serverport FROM RouteData WHERE modid = ? AND cmdid = ? ORDER BY serverip, serverport FOR UPDATE',
    [modid, cmdid],
  );
  return rows.map((r) => ({ ip: Number(r.serverip), port: Number(r.serverport) }));
}

async function setDisabled(
  conn: Connection,
  edit: Extract<RouteEdit, { op: 'disable' | 'enable' }>,
): Promise<AppliedEdit> {
  const key = [edit.modid, edit.cmdid, edit.ip, edit.port];
  const [found] = await conn.query<RowDataPacket[]>(
    'SELECT disabled FROM RouteData WHERE modid = ? AND cmdid = ? AND serverip = ? AND serverport = ? FOR UPDATE',
    key,
  );
  if (found.length === 0) return noop(RouteEditNoop.ABSENT);
  const disable = edit.op === 'disable';
  if ((Number(found[0].disabled) !== 0) === disable)
    return noop(disable ? RouteEditNoop.ALREADY_DISABLED : RouteEditNoop.ALREADY_ENABLED);
  await conn.query(
    'UPDATE RouteData SET disabled = ? WHERE modid = ? AND cmdid = ? AND serverip = ? AND serverport = ?',
    [disable ? 1 : 0, ...key],
  );
  const changes = emptyHostChanges();
  changes[disable ? 'disabled' : 'enabled'].push({ ip: edit.ip, port: edit.port });
  return done(changes);
}

/** The route's host set becomes `hosts`: new ones are added enabled, kept ones keep their disabled flag. */
async function replace(conn: Connection, edit: Extract<RouteEdit, { op: 'replace' }>): Promise<AppliedEdit> {
  const { modid, cmdid } = edit;
  const current = await routeHosts(conn, modid, cmdid);
  const wanted = new Set(edit.hosts.map(hostKey));
  const have = new Set(current.map(hostKey));
  const changes = emptyHostChanges();
  changes.removed = current.filter((h) => !wanted.has(hostKey(h)));
  changes.added = edit.hosts.filter((h) => !have.has(hostKey(h))).map((h) => ({ ip: h.ip, port: h.port }));
  if (changes.added.length + changes.removed.length === 0) return noop(RouteEditNoop.SAME_HOSTS);
  for (let i = 0; i < changes.removed.length; i += CHUNK) {
    const pairs = changes.removed.slice(i, i + CHUNK).map((h) => [h.ip, h.port]);
    await conn.query('DELETE FROM RouteData WHERE modid = ? AND cmdid = ? AND (serverip, serverport) IN (?)', [
      modid,
      cmdid,
      pairs,
    ]);
  }
  // Plain INSERT: the rows read FOR UPDATE above are the route; a duplicate here is an error, not a no-op.
  for (let i = 0; i < changes.added.length; i += CHUNK) {
    const rows = changes.added.slice(i, i + CHUNK).map((h) => [modid, cmdid, h.ip, h.port]);
    await conn.query('INSERT INTO RouteData (modid, cmdid, serverip, serverport) VALUES ?', [rows]);
  }
  return done(changes);
}

export async function applyEdit(conn: Connection, edit: RouteEdit): Promise<AppliedEdit> {
  switch (edit.op) {
    case 'add': {
      const [result] = await conn.query<ResultSetHeader>(
        'INSERT IGNORE INTO RouteData (modid, cmdid, serverip, serverport) VALUES (?, ?, ?, ?)',
        [edit.modid, edit.cmdid, edit.ip, edit.port],
      );
      if (result.affectedRows === 0) return noop(RouteEditNoop.PRESENT);
      return done({ ...emptyHostChanges(), added: [{ ip: edit.ip, port: edit.port }] });
    }
    case 'del': {
      const [result] = await conn.query<ResultSetHeader>(
        'DELETE FROM RouteData WHERE modid = ? AND cmdid = ? AND serverip = ? AND serverport = ?',
        [edit.modid, edit.cmdid, edit.ip, edit.port],
      );
      if (result.affectedRows === 0) return noop(RouteEditNoop.ABSENT);
      return done({ ...emptyHostChanges(), removed: [{ ip: edit.ip, port: edit.port }] });
    }
    case 'disable':
    case 'enable':
      return setDisabled(conn, edit);
    case 'del-route': {
      const removed = await routeHosts(conn, edit.modid, edit.cmdid);
      if (removed.length === 0) return noop(RouteEditNoop.ABSENT);
      await conn.query('DELETE FROM RouteData WHERE modid = ? AND cmdid = ?', [edit.modid, edit.cmdid]);
      return done({ ...emptyHostChanges(), removed });
    }
    case 'replace':
      return replace(conn, edit);
  }
}
