// `run_lars.sh route ...`: route administration through the store's shared
// route-change function, so every change is one transaction (RouteData, a
// RouteChange row, RouteVersion, a RouteAudit row naming the OS user and
// host) that the DNS pushes to subscribed agents. Input is validated before
// anything is written.
import type { Connection, RowDataPacket } from 'mysql2/promise';
import {
  changeRoutes,
  connectMysql,
  describeMysql,
  describeRouteEdit,
  findMysqlConfig,
  type FoundMysqlConfig,
  mysqlSettingsFromConfig,
  type RouteActor,
  type RouteEdit,
  RouteEditNoop,
  ROUTE_AUDIT_MAX_LIMIT,
} from '@lars/store';
import { ipToInt } from '@lars/proto';
import type { Config } from '@lars/reactor';
import {
  formatUsage,
  flagValue,
  parseArgv,
  parseIdArg,
  parseIntArg,
  parseIpArg,
  parsePortArg,
  UsageError,
  type ArgSpec,
} from './cli-args.js';
import { cliActor } from './route-actor.js';
import { HISTORY_DEFAULT_LIMIT, printHistory } from './route-history.js';
import { ExitCode, type ToolIO } from './tool-context.js';

const SPEC: ArgSpec = {
  positionals: [
    { name: 'COMMAND', help: 'list, add, del, disable, enable or history' },
    { name: 'ModID', help: 'module id (integer 0..2147483647)', optional: true },
    { name: 'CmdID', help: 'command id (integer 0..2147483647)', optional: true },
    { name: 'IP', help: 'host IPv4 address (add, disable, enable, and del of one host)', optional: true },
    { name: 'Port', help: 'host port 1..65535 (add, disable, enable, and del of one host)', optional: true },
  ],
  flags: [
    { name: 'limit', value: 'N', help: `history: the newest N entries, 1..1000 (default ${HISTORY_DEFAULT_LIMIT})` },
    {
      name: 'conf',
      value: 'FILE',
      help: 'where MySQL is: the [mysql] section of this file (default: $LARS_CONF, else conf/lars_dns.conf if present; LARS_MYSQL_* variables override either)',
    },
  ],
};

const USAGE = formatUsage(
  'route',
  'Lists and changes routes in MySQL. Each change is one transaction the DNS pushes to subscribed agents within its check interval, recorded in the route history (RouteAudit) with your OS user and host.',
  SPEC,
  [
    'route list [ModID [CmdID]]                 the routes, one host per line (disabled hosts say so)',
    'route add ModID CmdID IP Port              add a host (a host already there: nothing changes)',
    'route del ModID CmdID IP Port              delete one host',
    'route del ModID CmdID                      delete the whole route',
    'route disable ModID CmdID IP Port          drain a host: kept in the route, no longer served',
    'route enable ModID CmdID IP Port           serve a disabled host again',
    'route history [ModID [CmdID]] [--limit N]  newest changes first: who, from where, hosts',
    'exit status: 0 done (also when nothing needed changing), 1 MySQL failed, 2 bad arguments',
  ],
);

type Command =
  | { kind: 'list'; modid?: number; cmdid?: number }
  | { kind: 'history'; modid?: number; cmdid?: number }
  | { kind: 'change'; edit: RouteEdit };

/** Validates the whole command line before anything touches MySQL. */
function parseCommand(pos: readonly string[]): Command {
  const [command, ...rest] = pos;
  const key = () => ({ modid: parseIdArg(rest[0], 'ModID'), cmdid: parseIdArg(rest[1], 'CmdID') });
  const host = () => ({ ip: ipToInt(parseIpArg(rest[2], 'IP')), port: parsePortArg(rest[3], 'Port') });
  switch (command) {
    case 'list':
    case 'history':
      if (rest.length > 2) throw new UsageError(`route ${command} takes at most ModID and CmdID`);
      return {
        kind: command,
        modid: rest[0] === undefined ? undefined : parseIdArg(rest[0], 'ModID'),
        cmdid: rest[1] === undefined ? undefined : parseIdArg(rest[1], 'CmdID'),
      };
    case 'add':
    case 'disable':
    case 'enable':
      if (rest.length !== 4) throw new UsageError(`route ${command} needs ModID CmdID IP Port`);
      return { kind: 'change', edit: { op: command, ...key(), ...host() } };
    case 'del':
      if (rest.length === 2) return { kind: 'change', edit: { op: 'del-route', ...key() } };
      if (rest.length !== 4) throw new UsageError('route del needs ModID CmdID, or ModID CmdID IP Port');
      return { kind: 'change', edit: { op: 'del', ...key(), ...host() } };
    default:
      throw new UsageError(`unknown COMMAND ${JSON.stringify(command)} (list, add, del, disable, enable or history)`);
  }
}

const ER_BAD_FIELD_ERROR = 1054;

async function list(conn: Connection, cmd: Extract<Command, { kind: 'list' }>, io: ToolIO): Promise<void> {
  const where: string[] = [];
  const values: number[] = [];
  if (cmd.modid !== undefined) {
    where.push('modid = ?');
    values.push(cmd.modid);
  }
  if (cmd.cmdid !== undefined) {
    where.push('cmdid = ?');
    values.push(cmd.cmdid);
  }
  const select = (flag: string) =>
    conn.query<RowDataPacket[]>(
      `SELECT modid, cmdid, INET_NTOA(serverip) AS ip, serverport AS port, ${flag} AS disabled FROM RouteData` +
        `${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY modid, cmdid, serverip, serverport`,
      values,
    );
  let rows: RowDataPacket[];
  try {
    [rows] = await select('disabled');
  } catch (err) {
    // A schema before migration 0002 has no flag: list it as it is, every host enabled.
    if ((err as { errno?: unknown }).errno !== ER_BAD_FIELD_ERROR) throw err;
    [rows] = await select('0');
  }
  const [[version]] = await conn.query<RowDataPacket[]>('SELECT version FROM RouteVersion WHERE id = 1');
  const off = rows.filter((r) => Number(r.disabled) !== 0).length;
  io.stdout.write(
    `route version ${version?.version ?? 0}, ${rows.length} host${rows.length === 1 ? '' : 's'}` +
      `${off > 0 ? ` (${off} disabled)` : ''}\n`,
  );
  for (const r of rows)
    io.stdout.write(
      `modid = ${r.modid}, cmdid = ${r.cmdid}, ip = ${r.ip}, port = ${r.port}${Number(r.disabled) !== 0 ? ', disabled' : ''}\n`,
    );
}

const NOOP_TEXT: Record<RouteEditNoop, string> = {
  [RouteEditNoop.PRESENT]: 'that host is already in the route',
  [RouteEditNoop.ABSENT]: 'that host is not in the route',
  [RouteEditNoop.ALREADY_DISABLED]: 'that host is disabled already',
  [RouteEditNoop.ALREADY_ENABLED]: 'that host is not disabled',
  [RouteEditNoop.SAME_HOSTS]: 'the route has exactly these hosts',
};

async function change(conn: Connection, edit: RouteEdit, actor: RouteActor, io: ToolIO): Promise<void> {
  const result = await changeRoutes(conn, [edit], actor);
  const { rows, noop } = result.results[0];
  const what = describeRouteEdit(edit);
  if (!result.changed) {
    const why = edit.op === 'del-route' ? 'the route has no host' : NOOP_TEXT[noop ?? RouteEditNoop.ABSENT];
    io.stdout.write(`${what}: nothing changed (${why})\n`);
    return;
  }
  const hosts = edit.op === 'del-route' ? ` (${rows} host${rows === 1 ? '' : 's'})` : '';
  io.stdout.write(`${what}${hosts}: done, route version ${result.version}\n`);
}

/** Runs `route ...` and resolves the exit code; never rejects. */
export async function runRouteAdmin(argv: readonly string[], io: ToolIO): Promise<ExitCode> {
  let cmd: Command;
  let config: Config;
  let found: FoundMysqlConfig;
  let limit = HISTORY_DEFAULT_LIMIT;
  try {
    const args = parseArgv(argv, SPEC);
    if (args.help) {
      io.stdout.write(USAGE);
      return ExitCode.OK;
    }
    cmd = parseCommand(args.positionals);
    const rawLimit = flagValue(args, 'limit');
    if (rawLimit !== undefined) {
      if (cmd.kind !== 'history') throw new UsageError('--limit is for route history only');
      limit = parseIntArg(rawLimit, '--limit', 1, ROUTE_AUDIT_MAX_LIMIT);
    }
    found = findMysqlConfig(flagValue(args, 'conf'), io.env ?? {});
    config = found.config;
  } catch (err) {
    io.stderr.write(`route: ${(err as Error).message}\n${err instanceof UsageError ? USAGE : ''}`);
    return ExitCode.USAGE;
  }
  const mysql = mysqlSettingsFromConfig(config);
  let conn: Connection;
  try {
    conn = await connectMysql(mysql, 5000);
  } catch (err) {
    io.stderr.write(
      `route: cannot reach MySQL ${describeMysql(mysql)}: ${(err as Error).message}\n` +
        `  settings from ${found.from}\n  (is it running? ./run_lars.sh db; or give --conf FILE, LARS_CONF or LARS_MYSQL_DB_HOST/PORT/USER/PASSWD/NAME)\n`,
    );
    return ExitCode.FAILED;
  }
  try {
    if (cmd.kind === 'list') await list(conn, cmd, io);
    else if (cmd.kind === 'history') await printHistory(conn, { modid: cmd.modid, cmdid: cmd.cmdid, limit }, io);
    else await change(conn, cmd.edit, cliActor(), io);
    return ExitCode.OK;
  } catch (err) {
    io.stderr.write(`route: ${(err as Error).message}\n`);
    return ExitCode.FAILED;
  } finally {
    await conn.end().catch(() => undefined);
  }
}

/** Runs `route ...` as a process: real output and environment, the exit code as the process's. */
export async function routeAdminMain(argv: readonly string[]): Promise<void> {
  process.exitCode = await runRouteAdmin(argv, { stdout: process.stdout, stderr: process.stderr, env: process.env });
}
