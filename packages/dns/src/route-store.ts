import type { Connection, RowDataPacket } from 'mysql2/promise';

/** A route key changed in MySQL, as RouteChange records it. */
export interface RouteKey {
  modid: number;
  cmdid: number;
}

export interface PendingChanges {
  /** RouteChange ids read, to delete exactly these afterwards. */
  ids: number[];
  /** The distinct keys among them. */
  keys: RouteKey[];
}

/** RouteVersion.version (row id 1); 0 when the row is missing. */
export async function readRouteVersion(conn: Connection): Promise<number> {
  const [rows] = await conn.query<RowDataPacket[]>('SELECT version FROM RouteVersion WHERE id = 1');
  return rows.length === 0 ? 0 : Number(rows[0].version);
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
  'SELECT modid, cmdid, serverip AS ip, serverport AS port FROM RouteData ORDER BY modid, cmdid';

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

/** RouteChange rows with version <= `version`. */
export async function readRouteChanges(conn: Connection, version: number): Promise<PendingChanges> {
  const [rows] = await conn.query<RowDataPacket[]>({
    sql: 'SELECT id, modid, cmdid FROM RouteChange WHERE version <= ? ORDER BY id',
    values: [version],
    rowsAsArray: true,
  });
  const ids: number[] = [];
  const keys: RouteKey[] = [];
  const seen = new Set<string>();
  for (const [id, modid, cmdid] of rows as unknown as number[][]) {
    ids.push(id);
    const k = `${modid}:${cmdid}`;
    if (!seen.has(k)) {
      seen.add(k);
      keys.push({ modid, cmdid });
    }
  }
  return { ids, keys };
}

/** Deletes exactly the RouteChange rows read (by id), so a row committed meanwhile stays for the next round. */
export async function deleteRouteChanges(conn: Connection, ids: readonly number[]): Promise<void> {
  const CHUNK = 10_000;
  for (let i = 0; i < ids.length; i += CHUNK) {
    await conn.query('DELETE FROM RouteChange WHERE id IN (?)', [ids.slice(i, i + CHUNK)]);
  }
}

/** At start the DNS pushes nothing old: every agent asks for its routes again when it connects. */
export async function clearRouteChanges(conn: Connection): Promise<void> {
  await conn.query('DELETE FROM RouteChange');
}
