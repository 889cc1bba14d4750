import type { Connection, RowDataPacket } from 'mysql2/promise';
import { intToIp } from '@lars/proto';
import { ErrorCode, LarsError } from '@lars/wire';
import {
  emptyHostChanges,
  mergeHostChanges,
  type RouteActor,
  type RouteHost,
  type RouteHostChanges,
  validateRouteActor,
  writeRouteAudit,
} from './route-audit.js';
import { applyEdit, type RouteEditNoop } from './route-edit-apply.js';

/** One edit of RouteData. `ip` is the unsigned IPv4 number (ipToInt). */
export type RouteEdit =
  | { op: 'add'; modid: number; cmdid: number; ip: number; port: number }
  | { op: 'del'; modid: number; cmdid: number; ip: number; port: number }
  /** Keep the host in the route but stop serving it (drain); `enable` serves it again. */
  | { op: 'disable'; modid: number; cmdid: number; ip: number; port: number }
  | { op: 'enable'; modid: number; cmdid: number; ip: number; port: number }
  | { op: 'del-route'; modid: number; cmdid: number }
  /**
   * The route's hosts become exactly `hosts` (none: the route is deleted).
   * Hosts new to the route are added enabled; hosts it keeps keep their
   * disabled flag; the adds and removes are computed inside the transaction.
   */
  | { op: 'replace'; modid: number; cmdid: number; hosts: readonly RouteHost[] };

export interface RouteEditResult {
  edit: RouteEdit;
  /** RouteData rows added, removed, disabled or enabled by this edit (0: a no-op). */
  rows: number;
  /** This edit's host changes. */
  changes: RouteHostChanges;
  /** Set when `rows` is 0: why nothing changed. */
  noop?: RouteEditNoop;
}

export interface RouteChangeResult {
  /** The new RouteVersion, or the unchanged one when no edit changed a row. */
  version: number;
  /** False when every edit was a no-op: nothing was bumped, nothing will be pushed, no audit row written. */
  changed: boolean;
  results: RouteEditResult[];
}

const INT32_MAX = 2 ** 31 - 1;
const INT32_MIN = -(2 ** 31);
/** Hosts of one replace edit: a route far past what one GetRouteResponse frame carries. */
export const MAX_REPLACE_HOSTS = 10_000;

const ER_NO_SUCH_TABLE = 1146;
const ER_BAD_FIELD_ERROR = 1054;

function checkHost(bad: (what: string) => LarsError, ip: unknown, port: unknown, field = ''): void {
  if (!Number.isInteger(ip) || (ip as number) < 0 || (ip as number) > 0xffff_ffff)
    throw bad(`${field}ip ${ip} is not an IPv4 number`);
  if (!Number.isInteger(port) || (port as number) < 1 || (port as number) > 65535)
    throw bad(`${field}port ${port} is not 1..65535`);
}

/** Throws LARS_BAD_OPTION naming the first invalid field; called before anything is written. */
export function validateRouteEdit(edit: RouteEdit): void {
  const bad = (what: string) => new LarsError(ErrorCode.BAD_OPTION, `invalid route edit: ${what}`);
  for (const [name, v] of [
    ['modid', edit.modid],
    ['cmdid', edit.cmdid],
  ] as const) {
    if (!Number.isInteger(v) || v < INT32_MIN || v > INT32_MAX) throw bad(`${name} ${v} is not a 32-bit integer`);
  }
  switch (edit.op) {
    case 'del-route':
      return;
    case 'replace': {
      if (!Array.isArray(edit.hosts)) throw bad('hosts is not a list');
      if (edit.hosts.length > MAX_REPLACE_HOSTS)
        throw bad(`hosts has ${edit.hosts.length} entries, at most ${MAX_REPLACE_HOSTS}`);
      const seen = new Set<number>();
      edit.hosts.forEach((h, i) => {
        checkHost(bad, h?.ip, h?.port, `hosts[${i}].`);
        const key = h.ip * 65_536 + h.port;
        if (seen.has(key)) throw bad(`hosts[${i}] ${intToIp(h.ip)}:${h.port} is listed twice`);
        seen.add(key);
      });
      return;
    }
    case 'add':
    case 'del':
    case 'disable':
    case 'enable':
      checkHost(bad, edit.ip, edit.port);
      return;
    default:
      throw bad(
        `op ${JSON.stringify((edit as { op: unknown }).op)} is not add, del, disable, enable, del-route or replace`,
      );
  }
}

/** A schema without migration 0002 fails with a message that says what to do. */
function schemaHint(err: unknown): unknown {
  const errno = (err as { errno?: unknown }).errno;
  if (errno !== ER_NO_SUCH_TABLE && errno !== ER_BAD_FIELD_ERROR) return err;
  return new LarsError(
    ErrorCode.BAD_CONFIG,
    `${(err as Error).message}: the schema is older than this route change needs; apply it with ./run_lars.sh db migrate`,
    { cause: err },
  );
}

/**
 * THE way routes change (docs/architecture.md "The store"), for the route
 * tool and the console alike: one transaction that locks RouteVersion,
 * edits RouteData, sets version = GREATEST(UNIX_TIMESTAMP(), version + 1) so
 * two changes in one second still differ, adds one RouteChange row per
 * changed route with that version (the DNS then pushes the changed routes to
 * subscribed agents) and, given an `actor`, one RouteAudit row per changed
 * route. Every edit (and the actor) is validated before the transaction
 * starts; any failure rolls the whole change back, audit included. Edits run
 * in order and each sees the ones before it. `options`: a dry run, and a
 * precondition checked under the lock.
 */
export interface ChangeRoutesOptions {
  /**
   * Apply the edits in the transaction, report what they did, then roll it
   * back: nothing is written, bumped or audited (`version` is the current
   * one). A preview computed by the same code as the change it previews.
   */
  dryRun?: boolean;
  /**
   * Called in the transaction once RouteVersion is locked, before any edit:
   * every change holds that lock, so what it reads cannot change until this
   * change commits. Throw to refuse the change (nothing is written).
   */
  precondition?: (conn: Connection) => Promise<void>;
}

export async function changeRoutes(
  conn: Connection,
  edits: readonly RouteEdit[],
  actor?: RouteActor,
  options: ChangeRoutesOptions = {},
): Promise<RouteChangeResult> {
  for (const edit of edits) validateRouteEdit(edit);
  if (actor !== undefined) validateRouteActor(actor);
  await conn.beginTransaction();
  try {
    const [locked] = await conn.query<RowDataPacket[]>('SELECT version FROM RouteVersion WHERE id = 1 FOR UPDATE');
    if (locked.length === 0)
      throw new LarsError(
        ErrorCode.BAD_CONFIG,
        'RouteVersion has no row id 1: apply the schema with ./run_lars.sh db migrate',
      );
    await options.precondition?.(conn);
    const results: RouteEditResult[] = [];
    const changed = new Map<string, { modid: number; cmdid: number; changes: RouteHostChanges }>();
    for (const edit of edits) {
      const applied = await applyEdit(conn, edit);
      results.push({ edit, ...applied });
      if (applied.rows === 0) continue;
      const key = `${edit.modid}:${edit.cmdid}`;
      let route = changed.get(key);
      if (route === undefined) {
        route = { modid: edit.modid, cmdid: edit.cmdid, changes: emptyHostChanges() };
        changed.set(key, route);
      }
      mergeHostChanges(route.changes, applied.changes);
    }
    let version = Number(locked[0].version);
    if (options.dryRun === true) {
      await conn.rollback();
      return { version, changed: changed.size > 0, results };
    }
    if (changed.size > 0) {
      await conn.query('UPDATE RouteVersion SET version = GREATEST(UNIX_TIMESTAMP(), version + 1) WHERE id = 1');
      const [after] = await conn.query<RowDataPacket[]>('SELECT version FROM RouteVersion WHERE id = 1');
      version = Number(after[0].version);
      if (actor !== undefined) await writeRouteAudit(conn, actor, version, changed);
      const values = [...changed.values()].map((k) => [k.modid, k.cmdid, version]);
      await conn.query('INSERT INTO RouteChange (modid, cmdid, version) VALUES ?', [values]);
    }
    await conn.commit();
    return { version, changed: changed.size > 0, results };
  } catch (err) {
    await conn.rollback().catch(() => undefined);
    throw schemaHint(err);
  }
}

/** "add 1/1 192.168.1.177:7777", "replace 1/1 (3 hosts)", for messages. */
export function describeRouteEdit(edit: RouteEdit): string {
  const key = `${edit.modid}/${edit.cmdid}`;
  switch (edit.op) {
    case 'del-route':
      return `del ${key} (whole route)`;
    case 'replace':
      return `replace ${key} (${edit.hosts.length} host${edit.hosts.length === 1 ? '' : 's'})`;
    default:
      return `${edit.op} ${key} ${intToIp(edit.ip)}:${edit.port}`;
  }
}
