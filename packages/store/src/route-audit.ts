// The history of route changes (table RouteAudit, migration 0002): one row
// per route that a changeRoutes call changed, written in its transaction, so
// a change and its history row commit or roll back together. Read newest
// first, overall or per route, a page at a time.
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { intToIp, parseIpv4 } from '@lars/proto';
import { checkOption, ErrorCode, LarsError } from '@lars/wire';

/** A host of a route; `ip` is the unsigned IPv4 number (ipToInt). */
export interface RouteHost {
  ip: number;
  port: number;
}

/** What one change did to the hosts of one route, in the order the edits did it. */
export interface RouteHostChanges {
  added: RouteHost[];
  removed: RouteHost[];
  disabled: RouteHost[];
  enabled: RouteHost[];
}

/** Who made a change and from where: `{ user: 'alice', source: '10.1.2.3' }`, `{ user: 'ops', source: 'cli ops@host1' }`. */
export interface RouteActor {
  user: string;
  source: string;
}

export interface RouteAuditEntry {
  id: number;
  /** When the change committed (the database's UTC clock), ms since the epoch. */
  at: number;
  actor: string;
  source: string;
  modid: number;
  cmdid: number;
  added: RouteHost[];
  removed: RouteHost[];
  disabled: RouteHost[];
  enabled: RouteHost[];
  /** The RouteVersion the change produced; every route of one change has the same. */
  version: number;
}

export interface ReadRouteAuditOptions {
  modid?: number;
  /** Only with modid. */
  cmdid?: number;
  /** Entries per page, 1..1000. */
  limit: number;
  /** Only entries with a smaller id: the last id of the previous page. */
  before?: number;
}

/** The column sizes of RouteAudit.actor and .source. */
export const ROUTE_ACTOR_MAX = { user: 255, source: 512 } as const;
export const ROUTE_AUDIT_MAX_LIMIT = 1000;

// biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point.
const CONTROL = /[\u0000-\u001f\u007f]/;

export function emptyHostChanges(): RouteHostChanges {
  return { added: [], removed: [], disabled: [], enabled: [] };
}

/** Appends `from`'s changes to `into`'s, list by list (edits' changes in edit order). */
export function mergeHostChanges(into: RouteHostChanges, from: RouteHostChanges): void {
  into.added.push(...from.added);
  into.removed.push(...from.removed);
  into.disabled.push(...from.disabled);
  into.enabled.push(...from.enabled);
}

/** Throws LARS_BAD_OPTION naming the field; called before the transaction starts. */
export function validateRouteActor(actor: RouteActor): void {
  for (const field of ['user', 'source'] as const) {
    const v: unknown = actor?.[field];
    const max = ROUTE_ACTOR_MAX[field];
    if (typeof v !== 'string' || v.length === 0 || v.length > max || CONTROL.test(v))
      throw new LarsError(
        ErrorCode.BAD_OPTION,
        `invalid route actor: ${field} must be 1..${max} characters without control characters`,
      );
  }
}

const hostText = (h: RouteHost) => `${intToIp(h.ip)}:${h.port}`;
const hostList = (hosts: readonly RouteHost[]) => JSON.stringify(hosts.map(hostText));

/** A raw SQL fragment for mysql2's client-side formatting: every row of one INSERT gets the statement's time. */
const UTC_NOW = { toSqlString: () => 'UTC_TIMESTAMP(3)' };

/** One RouteAudit row per changed route, inside the caller's transaction. */
export async function writeRouteAudit(
  conn: Connection,
  actor: RouteActor,
  version: number,
  routes: ReadonlyMap<string, { modid: number; cmdid: number; changes: RouteHostChanges }>,
): Promise<void> {
  const values = [...routes.values()].map((r) => [
    UTC_NOW,
    actor.user,
    actor.source,
    r.modid,
    r.cmdid,
    hostList(r.changes.added),
    hostList(r.changes.removed),
    hostList(r.changes.disabled),
    hostList(r.changes.enabled),
    version,
  ]);
  if (values.length === 0) return;
  await conn.query(
    'INSERT INTO RouteAudit (at, actor, source, modid, cmdid, hosts_added, hosts_removed, hosts_disabled, ' +
      'hosts_enabled, version) VALUES ?',
    [values],
  );
}

function parseHostList(text: string, id: number, column: string): RouteHost[] {
  const bad = () => new LarsError(ErrorCode.BAD_CONFIG, `RouteAudit row ${id}: ${column} is not a list of "ip:port"`);
  let list: unknown;
  try {
    list = JSON.parse(text);
  } catch (err) {
    throw new LarsError(ErrorCode.BAD_CONFIG, bad().message, { cause: err });
  }
  if (!Array.isArray(list)) throw bad();
  return list.map((item) => {
    const m = typeof item === 'string' ? /^([\d.]+):(\d{1,5})$/.exec(item) : null;
    const ip = m === null ? -1 : parseIpv4(m[1]);
    if (m === null || ip < 0) throw bad();
    return { ip, port: Number(m[2]) };
  });
}

const isId = (v: unknown) => Number.isInteger(v) && (v as number) >= -(2 ** 31) && (v as number) < 2 ** 31;

/** RouteAudit entries, newest first: all of them, one modid's, or one route's. */
export async function readRouteAudit(conn: Connection, options: ReadRouteAuditOptions): Promise<RouteAuditEntry[]> {
  const { modid, cmdid, limit, before } = options;
  checkOption(modid === undefined || isId(modid), 'modid', 'must be a 32-bit integer');
  checkOption(cmdid === undefined || isId(cmdid), 'cmdid', 'must be a 32-bit integer');
  checkOption(cmdid === undefined || modid !== undefined, 'cmdid', 'needs modid');
  checkOption(
    Number.isInteger(limit) && limit >= 1 && limit <= ROUTE_AUDIT_MAX_LIMIT,
    'limit',
    `must be an integer in 1..${ROUTE_AUDIT_MAX_LIMIT}`,
  );
  checkOption(before === undefined || (Number.isSafeInteger(before) && before > 0), 'before', 'must be an entry id');
  const where: string[] = [];
  const values: number[] = [];
  for (const [column, v] of [
    ['modid = ?', modid],
    ['cmdid = ?', cmdid],
    ['id < ?', before],
  ] as const) {
    if (v === undefined) continue;
    where.push(column);
    values.push(v);
  }
  values.push(limit);
  // DATETIME arithmetic, not UNIX_TIMESTAMP(): no session time zone gets between the stored UTC and the epoch.
  const [rows] = await conn.query<RowDataPacket[]>(
    "SELECT id, TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', at) DIV 1000 AS at_ms, actor, source, modid, " +
      'cmdid, hosts_added, hosts_removed, hosts_disabled, hosts_enabled, version FROM RouteAudit' +
      `${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`,
    values,
  );
  return rows.map((r) => {
    const id = Number(r.id);
    return {
      id,
      at: Number(r.at_ms),
      actor: String(r.actor),
      source: String(r.source),
      modid: Number(r.modid),
      cmdid: Number(r.cmdid),
      added: parseHostList(r.hosts_added, id, 'hosts_added'),
      removed: parseHostList(r.hosts_removed, id, 'hosts_removed'),
      disabled: parseHostList(r.hosts_disabled, id, 'hosts_disabled'),
      enabled: parseHostList(r.hosts_enabled, id, 'hosts_enabled'),
      version: Number(r.version),
    };
  });
}
