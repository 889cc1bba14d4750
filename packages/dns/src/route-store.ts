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

/** The loader's query, also what the route-load benchmark times as its floor. */
export const LOAD_ROUTES_SQL =
  'SELECT modid, cmdid, serverip AS ip, serverport AS port FROM RouteData ORDER BY modid, cmdid';

/** Every RouteData row, ordered by route key (the unique key's index gives that order without a sort). */
export async function loadRouteRows(conn: Connection): Promise<RouteRow[]> {
  const [rows] = await conn.query<RowDataPacket[]>(LOAD_ROUTES_SQL);
  return rows as unknown as RouteRow[];
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
