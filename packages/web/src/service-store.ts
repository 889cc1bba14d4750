import type { Pool, PoolConnection, ResultSetHeader, RowDataPacket } from 'mysql2/promise';

/**
 * The original's service descriptions: ModIDConfig (one per modid) and
 * CmdIDConfig (one per modid, cmdid), `content` being the description.
 * Neither table has a unique key on its modid (an original database may hold
 * several rows for one): the lowest id is the one shown and edited, the
 * others are counted (`duplicates`) and deleted with it.
 */
export interface Description {
  name: string;
  owner: string;
  description: string;
}

export interface CommandEntry extends Description {
  cmdid: number;
  /** Whether a CmdIDConfig row holds it (false: a routed cmdid nobody described, all text empty). */
  described: boolean;
  /** Further CmdIDConfig rows for the same (modid, cmdid), not shown. */
  duplicates: number;
  /** RouteData rows (hosts) of the route; 0 on the list of services. */
  hosts: number;
}

export interface ServiceEntry extends Description {
  modid: number;
  /** Whether a ModIDConfig row holds it (false: all text empty). */
  described: boolean;
  duplicates: number;
  /** Routes (cmdids) RouteData holds for the modid. */
  routes: number;
  commands: CommandEntry[];
}

/** What a save did: a new row, or the lowest-id row updated. */
export type SaveOutcome = 'created' | 'updated';

interface DescribedRow extends RowDataPacket {
  modid: number;
  cmdid?: number;
  name: string;
  owner: string;
  content: string;
  rows: number;
}

/** The lowest id per modid and the row count, joined back for that row's text. */
const MODIDS_SQL = `SELECT c.modid, c.name, c.owner, c.content, k.n AS \`rows\`
  FROM ModIDConfig c JOIN (SELECT modid, MIN(id) AS id, COUNT(*) AS n FROM ModIDConfig %WHERE% GROUP BY modid) k
  ON c.id = k.id ORDER BY c.modid`;
const CMDIDS_SQL = `SELECT c.modid, c.cmdid, c.name, c.owner, c.content, k.n AS \`rows\`
  FROM CmdIDConfig c JOIN (SELECT modid, cmdid, MIN(id) AS id, COUNT(*) AS n FROM CmdIDConfig %WHERE% GROUP BY modid, cmdid) k
  ON c.id = k.id ORDER BY c.modid, c.cmdid`;

const text = (r: DescribedRow): Description => ({ name: r.name, owner: r.owner, description: r.content });
const EMPTY: Description = { name: '', owner: '', description: '' };

function command(r: DescribedRow, hosts: number): CommandEntry {
  return { cmdid: Number(r.cmdid), ...text(r), described: true, duplicates: Number(r.rows) - 1, hosts };
}

function service(modid: number, r: DescribedRow | undefined, routes: number): ServiceEntry {
  return r === undefined
    ? { modid, ...EMPTY, described: false, duplicates: 0, routes, commands: [] }
    : { modid, ...text(r), described: true, duplicates: Number(r.rows) - 1, routes, commands: [] };
}

/**
 * Every modid any of ModIDConfig, CmdIDConfig and RouteData names, in modid
 * order, with its cmdid descriptions and how many routes it has.
 */
export async function listServices(pool: Pool): Promise<ServiceEntry[]> {
  const [mods] = await pool.query<DescribedRow[]>(MODIDS_SQL.replace('%WHERE%', ''));
  const [cmds] = await pool.query<DescribedRow[]>(CMDIDS_SQL.replace('%WHERE%', ''));
  const [routed] = await pool.query<RowDataPacket[]>(
    'SELECT modid, COUNT(DISTINCT cmdid) AS routes FROM RouteData GROUP BY modid',
  );
  const modRows = new Map(mods.map((r) => [Number(r.modid), r]));
  const routes = new Map(routed.map((r) => [Number(r.modid), Number(r.routes)]));
  const modids = new Set([...modRows.keys(), ...cmds.map((r) => Number(r.modid)), ...routes.keys()]);
  const byModid = new Map<number, ServiceEntry>();
  for (const modid of [...modids].sort((a, b) => a - b))
    byModid.set(modid, service(modid, modRows.get(modid), routes.get(modid) ?? 0));
  for (const r of cmds) byModid.get(Number(r.modid))!.commands.push(command(r, 0));
  return [...byModid.values()];
}

/**
 * One modid: its description, and per cmdid (described or routed, in cmdid
 * order) its description and its host count. Null when no table names it.
 */
export async function getService(pool: Pool, modid: number): Promise<ServiceEntry | null> {
  const [mods] = await pool.query<DescribedRow[]>(MODIDS_SQL.replace('%WHERE%', 'WHERE modid = ?'), [modid]);
  const [cmds] = await pool.query<DescribedRow[]>(CMDIDS_SQL.replace('%WHERE%', 'WHERE modid = ?'), [modid]);
  const [routed] = await pool.query<RowDataPacket[]>(
    'SELECT cmdid, COUNT(*) AS hosts FROM RouteData WHERE modid = ? GROUP BY cmdid',
    [modid],
  );
  if (mods.length === 0 && cmds.length === 0 && routed.length === 0) return null;
  const hosts = new Map(routed.map((r) => [Number(r.cmdid), Number(r.hosts)]));
  const entry = service(modid, mods[0], hosts.size);
  const described = new Map(cmds.map((r) => [Number(r.cmdid), r]));
  const cmdids = [...new Set([...described.keys(), ...hosts.keys()])].sort((a, b) => a - b);
  entry.commands = cmdids.map((cmdid) => {
    const r = described.get(cmdid);
    const n = hosts.get(cmdid) ?? 0;
    return r === undefined ? { cmdid, ...EMPTY, described: false, duplicates: 0, hosts: n } : command(r, n);
  });
  return entry;
}

/**
 * Writes the description of `modid` (and `cmdid` when given): the lowest-id
 * row is updated, or a row is inserted. In a transaction whose locking read
 * (a scan: the tables have no index on modid) makes two concurrent first
 * saves of one key take turns instead of inserting two rows.
 */
export async function saveDescription(
  pool: Pool,
  key: { modid: number; cmdid?: number },
  d: Description,
): Promise<SaveOutcome> {
  return inTransaction(pool, async (conn) => {
    const [table, where, args] = keyWhere(key);
    const [found] = await conn.query<RowDataPacket[]>(
      `SELECT id FROM ${table} WHERE ${where} ORDER BY id LIMIT 1 FOR UPDATE`,
      args,
    );
    if (found.length > 0) {
      await conn.query(`UPDATE ${table} SET name = ?, owner = ?, content = ? WHERE id = ?`, [
        d.name,
        d.owner,
        d.description,
        found[0].id,
      ]);
      return 'updated';
    }
    const columns = key.cmdid === undefined ? 'modid' : 'modid, cmdid';
    await conn.query(
      `INSERT INTO ${table} (${columns}, name, owner, content) VALUES (${args.map(() => '?').join(', ')}, ?, ?, ?)`,
      [...args, d.name, d.owner, d.description],
    );
    return 'created';
  });
}

/** Deletes every row of the key (duplicates too, or the next one would show); how many there were. */
export async function deleteDescription(pool: Pool, key: { modid: number; cmdid?: number }): Promise<number> {
  const [table, where, args] = keyWhere(key);
  const [res] = await pool.query<ResultSetHeader>(`DELETE FROM ${table} WHERE ${where}`, args);
  return res.affectedRows;
}

function keyWhere(key: { modid: number; cmdid?: number }): [string, string, number[]] {
  return key.cmdid === undefined
    ? ['ModIDConfig', 'modid = ?', [key.modid]]
    : ['CmdIDConfig', 'modid = ? AND cmdid = ?', [key.modid, key.cmdid]];
}

async function inTransaction<T>(pool: Pool, work: (conn: PoolConnection) => Promise<T>): Promise<T> {
  const conn = await pool.getConnection();
  try {
    await conn.beginTransaction();
    const result = await work(conn);
    await conn.commit();
    return result;
  } catch (err) {
    await conn.rollback();
    throw err;
  } finally {
    conn.release();
  }
}

/** Any C0 or C1 control character or DEL (newlines and tabs included: every field is one line). */
const hasControl = (v: string): boolean =>
  [...v].some((c) => {
    const code = c.codePointAt(0)!;
    return code < 0x20 || (code >= 0x7f && code <= 0x9f);
  });

/**
 * The text fields as stored: trimmed; name 1..128 characters (not only
 * spaces), owner 0..128, description 0..1024, no control character. The
 * lengths are checked by the route schemas too (a 5,000-character field is
 * refused before it is read); this is the one place that says why.
 */
export function checkDescription(input: {
  name: string;
  owner?: string;
  description?: string;
}): { ok: true; value: Description } | { ok: false; message: string } {
  const value = {
    name: input.name.trim(),
    owner: (input.owner ?? '').trim(),
    description: (input.description ?? '').trim(),
  };
  const limits = { name: [1, 128], owner: [0, 128], description: [0, 1024] } as const;
  for (const field of ['name', 'owner', 'description'] as const) {
    const v = value[field];
    const [min, max] = limits[field];
    if (hasControl(v))
      return { ok: false, message: `${field}: must not contain control characters (newline, tab, ...)` };
    const length = [...v].length;
    if (length < min) return { ok: false, message: `${field}: must not be empty` };
    if (length > max) return { ok: false, message: `${field}: must NOT have more than ${max} characters` };
  }
  return { ok: true, value };
}
