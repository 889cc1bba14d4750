import type { Connection, RowDataPacket } from 'mysql2/promise';
import type { RouteChangeRow } from './change-cursor.js';

/** A route key changed in MySQL, as RouteChange records it. */
export interface RouteKey {
  modid: number;
  cmdid: number;
}

/** RouteVersion.version (row id 1; 0 when the row is missing) and MySQL's clock, in one primary-key read. */
export async function readRouteVersion(conn: Connection): Promise<{ version: number; nowS: number }> {
  const [rows] = await conn.query<RowDataPacket[]>({
    sql: 'SELECT version, UNIX_TIMESTAMP() FROM RouteVersion WHERE id = 1',
    rowsAsArray: true,
  });
  if (rows.length === 0) {
    const [[now]] = (await conn.query({ sql: 'SELECT UNIX_TIMESTAMP()', rowsAsArray: true })) as unknown as [
      number[][],
    ];
    return { version: 0, nowS: Number(now[0]) };
  }
  const [version, now] = rows[0] as unknown as [number, number | string];
  return { version: Number(version), nowS: Number(now) };
}

/**
 * One statement (a MariaDB anonymous compound statement) that re-reads
 * RouteVersion every poll until it differs from the known version or the
 * wait is over, then answers as readRouteVersion's query does. Each read in
 * the loop is a statement of its own in autocommit, so it sees every commit
 * since, whichever client made it. Values: the wait in microseconds, the
 * known version, the poll in seconds.
 */
const WAIT_ROUTE_VERSION_SQL = `BEGIN NOT ATOMIC
  DECLARE v BIGINT UNSIGNED DEFAULT 0;
  DECLARE deadline DATETIME(6) DEFAULT SYSDATE(6) + INTERVAL ? MICROSECOND;
  w: LOOP
    SET v = COALESCE((SELECT version FROM RouteVersion WHERE id = 1), 0);
    IF v <> ? OR SYSDATE(6) >= deadline THEN LEAVE w; END IF;
    DO SLEEP(?);
  END LOOP w;
  SELECT v, UNIX_TIMESTAMP();
END`;

/**
 * RouteVersion.version once it differs from `known`, or after `waitMs`
 * whatever it is, and MySQL's clock at that moment: a change committed
 * during the wait is seen within `pollMs`, at the cost of a primary-key read
 * and a sleep inside MySQL per poll instead of a round trip. A server
 * without anonymous compound statements (MySQL) answers ER_PARSE_ERROR
 * (isNoCompoundStatements): the caller reads once instead.
 */
export async function waitRouteVersion(
  conn: Connection,
  known: number,
  waitMs: number,
  pollMs: number,
): Promise<{ version: number; nowS: number }> {
  // A compound statement answers its SELECT's result set, then its own OK packet.
  const [results] = (await conn.query({
    sql: WAIT_ROUTE_VERSION_SQL,
    values: [Math.round(waitMs * 1000), known, pollMs / 1000],
    rowsAsArray: true,
  })) as unknown as [[Array<[number | string, number | string]>, unknown]];
  const [version, now] = results[0][0];
  return { version: Number(version), nowS: Number(now) };
}

const ER_PARSE_ERROR = 1064;

/** True for the error a server without `BEGIN NOT ATOMIC` answers waitRouteVersion with. */
export function isNoCompoundStatements(err: unknown): boolean {
  return (err as { errno?: unknown } | null)?.errno === ER_PARSE_ERROR;
}

/** One RouteData row. Its `ip` and `port` make it a HostInfo as it stands, so the table encodes rows without copying them. */
export interface RouteRow {
  modid: number;
  cmdid: number;
  ip: number;
  port: number;
}

/**
 * The loader's query, also what the route-load benchmark times as its floor.
 * It reads every host, disabled or not: a WHERE on RouteData.disabled would
 * turn this covering scan of uk_route_host into a full scan plus a sort.
 */
export const LOAD_ROUTES_SQL =
  'SELECT modid, cmdid, serverip AS ip, serverport AS port FROM RouteData ORDER BY modid, cmdid, serverip, serverport';

/** The disabled hosts (migration 0002), few, through idx_route_disabled. */
export const DISABLED_HOSTS_SQL = 'SELECT modid, cmdid, serverip, serverport FROM RouteData WHERE disabled <> 0';

const ER_BAD_FIELD_ERROR = 1054;

export interface LoadedRoutes {
  /** The hosts to serve, ordered by route key. */
  rows: RouteRow[];
  /** Hosts left out because they are disabled. */
  disabled: number;
  /** False: RouteData has no disabled column (schema before migration 0002), every host is served. */
  flagged: boolean;
}

/**
 * Every RouteData row that is not disabled, ordered by route key (the unique
 * key's index gives that order without a sort). A table without the
 * disabled column (not yet migrated) is served whole, as before.
 */
export async function loadRouteRows(conn: Connection): Promise<LoadedRoutes> {
  let off: number[][];
  try {
    [off] = (await conn.query({ sql: DISABLED_HOSTS_SQL, rowsAsArray: true })) as unknown as [number[][]];
  } catch (err) {
    if ((err as { errno?: unknown }).errno !== ER_BAD_FIELD_ERROR) throw err;
    const [rows] = await conn.query<RowDataPacket[]>(LOAD_ROUTES_SQL);
    return { rows: rows as unknown as RouteRow[], disabled: 0, flagged: false };
  }
  const [rows] = await conn.query<RowDataPacket[]>(LOAD_ROUTES_SQL);
  const all = rows as unknown as RouteRow[];
  const served = off.length === 0 ? all : withoutHosts(all, off);
  return { rows: served, disabled: all.length - served.length, flagged: true };
}

/**
 * `rows` without the hosts in `off` ([modid, cmdid, ip, port] each),
 * compacted in place. The hosts of a route are contiguous in `rows`, so
 * each route is looked up once; numeric keys, no string per row.
 */
function withoutHosts(rows: RouteRow[], off: readonly number[][]): RouteRow[] {
  const byRoute = new Map<number, Map<number, Set<number>>>();
  for (const [modid, cmdid, ip, port] of off) {
    let cmds = byRoute.get(modid);
    if (cmds === undefined) byRoute.set(modid, (cmds = new Map()));
    let hosts = cmds.get(cmdid);
    if (hosts === undefined) cmds.set(cmdid, (hosts = new Set()));
    hosts.add(ip * 65_536 + port);
  }
  let kept = 0;
  let hosts: Set<number> | undefined;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    if (i === 0 || r.modid !== rows[i - 1].modid || r.cmdid !== rows[i - 1].cmdid)
      hosts = byRoute.get(r.modid)?.get(r.cmdid);
    if (hosts?.has(r.ip * 65_536 + r.port)) continue;
    rows[kept++] = r;
  }
  rows.length = kept;
  return rows;
}

/** Keys per incremental load statement (each a pair in the IN list). */
const KEYS_PER_SELECT = 1000;

/**
 * The hosts to serve of `keys` only (an incremental load), grouped by key
 * in the full load's order; a key without rows is absent. Each statement
 * looks its keys up through uk_route_host.
 */
export async function loadRouteRowsOf(conn: Connection, keys: readonly RouteKey[]): Promise<LoadedRoutes> {
  const rows: RouteRow[] = [];
  let disabled = 0;
  let flagged = true;
  for (let i = 0; i < keys.length; i += KEYS_PER_SELECT) {
    const pairs = keys.slice(i, i + KEYS_PER_SELECT).map((k) => [k.modid, k.cmdid]);
    let part: Array<RouteRow & { disabled?: number }>;
    try {
      [part] = (await conn.query({ sql: ROUTES_OF_KEYS_SQL, values: [pairs] })) as unknown as [typeof part];
    } catch (err) {
      if ((err as { errno?: unknown }).errno !== ER_BAD_FIELD_ERROR) throw err;
      flagged = false;
      [part] = (await conn.query({ sql: ROUTES_OF_KEYS_UNFLAGGED_SQL, values: [pairs] })) as unknown as [typeof part];
    }
    for (const r of part) {
      if (r.disabled) disabled++;
      else rows.push({ modid: r.modid, cmdid: r.cmdid, ip: r.ip, port: r.port });
    }
  }
  return { rows, disabled, flagged };
}

const ROUTES_OF_KEYS_SQL =
  'SELECT modid, cmdid, serverip AS ip, serverport AS port, disabled FROM RouteData ' +
  'WHERE (modid, cmdid) IN (?) ORDER BY modid, cmdid, serverip, serverport';
const ROUTES_OF_KEYS_UNFLAGGED_SQL =
  'SELECT modid, cmdid, serverip AS ip, serverport AS port FROM RouteData ' +
  'WHERE (modid, cmdid) IN (?) ORDER BY modid, cmdid, serverip, serverport';

/** RouteChange rows with `from` <= version <= `to`, as [version, modid, cmdid]. */
export async function readRouteChanges(conn: Connection, from: number, to: number): Promise<RouteChangeRow[]> {
  const [rows] = await conn.query({
    sql: 'SELECT version, modid, cmdid FROM RouteChange WHERE version >= ? AND version <= ?',
    values: [from, to],
    rowsAsArray: true,
  });
  return (rows as unknown as Array<[number | string, number, number]>).map(([v, m, c]) => [Number(v), m, c] as const);
}

/**
 * Deletes RouteChange rows older than `retentionS` (by ctime, MySQL's clock),
 * at most `batchRows` per statement and `maxBatches` statements; the rows
 * deleted. Any number of DNS may run it at once: each statement only deletes
 * rows every cursor has passed (change-cursor.ts).
 */
export async function sweepRouteChanges(
  conn: Connection,
  retentionS: number,
  batchRows: number,
  maxBatches: number,
): Promise<number> {
  let deleted = 0;
  for (let b = 0; b < maxBatches; b++) {
    const [res] = (await conn.query('DELETE FROM RouteChange WHERE ctime < NOW() - INTERVAL ? SECOND LIMIT ?', [
      retentionS,
      batchRows,
    ])) as unknown as [{ affectedRows: number }];
    deleted += res.affectedRows;
    if (res.affectedRows < batchRows) break;
  }
  return deleted;
}
