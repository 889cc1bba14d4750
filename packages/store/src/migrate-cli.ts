#!/usr/bin/env node
// `./run_lars.sh db migrate [--conf FILE] [...]` (the package bin lars-migrate): applies the schema
// migrations to a database, printing what it applied. The local MariaDB
// script provisions lars_dns through it too.
import { parseArgs } from 'node:util';
import { LarsError } from '@lars/wire';
import { describeMigrationReport, migrateDatabase } from './migrations-runner.js';
import { findMysqlConfig } from './mysql-config-file.js';
import { describeMysql, mysqlSettingsFromConfig, type MysqlSettings } from './mysql-settings.js';

const USAGE = `usage: run_lars.sh db migrate [--conf FILE] [--host H] [--port P] [--database DB] [--admin-user U] [--admin-password PW]

Brings the database of the [mysql] section of FILE (default: $LARS_CONF, else
conf/lars_dns.conf if present; LARS_MYSQL_* variables override it) to the
newest schema, applying each pending migration once, and prints what it did.
Safe to run again, and from several hosts at once.

The migrations need DDL rights: they run as --admin-user, else
$LARS_MYSQL_ADMIN_USER, else the conf's db_user; the password is
--admin-password, else $LARS_MYSQL_ADMIN_PASSWD (or db_passwd when running as
the conf's user). --host, --port and --database override the conf.

exit status: 0 done (also when nothing was pending), 1 failed, 2 bad arguments`;

const EXIT = { OK: 0, FAILED: 1, USAGE: 2 } as const;
/** Access denied to a database (1044), at login (1045), to a table (1142). */
const ACCESS_DENIED_ERRNOS: ReadonlySet<number> = new Set([1044, 1045, 1142]);

class CliUsageError extends Error {}

/** The target and the credentials, from flags, then the environment, then the conf. */
function migrateSettings(argv: readonly string[], env: NodeJS.ProcessEnv): MysqlSettings | 'help' {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    throw new CliUsageError((err as Error).message);
  }
  const f = parsed.values;
  if (f.help === true) return 'help';
  if (parsed.positionals.length > 0) throw new CliUsageError(`unexpected argument ${parsed.positionals[0]}`);
  const base = mysqlSettingsFromConfig(findMysqlConfig(f.conf, env).config);
  let port = base.port;
  if (f.port !== undefined) {
    port = Number(f.port);
    if (!Number.isInteger(port) || port < 1 || port > 65_535)
      throw new CliUsageError(`invalid --port '${f.port}' (want 1..65535)`);
  }
  const adminUser = f['admin-user'] ?? env.LARS_MYSQL_ADMIN_USER;
  // --host or --port names the one target: a conf's db_hosts list no longer applies.
  const single = f.host !== undefined || f.port !== undefined;
  return {
    host: f.host ?? base.host,
    port,
    ...(single || base.hosts === undefined ? {} : { hosts: base.hosts }),
    database: f.database ?? base.database,
    user: adminUser ?? base.user,
    password: f['admin-password'] ?? env.LARS_MYSQL_ADMIN_PASSWD ?? (adminUser === undefined ? base.password : ''),
  };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      conf: { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      database: { type: 'string' },
      'admin-user': { type: 'string' },
      'admin-password': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

async function main(argv: readonly string[]): Promise<number> {
  let settings: MysqlSettings | 'help';
  try {
    settings = migrateSettings(argv, process.env);
  } catch (err) {
    if (!(err instanceof CliUsageError || err instanceof LarsError)) throw err;
    process.stderr.write(`db migrate: ${err.message}\n${USAGE}\n`);
    return EXIT.USAGE;
  }
  if (settings === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return EXIT.OK;
  }
  process.stdout.write(`migrating ${describeMysql(settings)}\n`);
  try {
    const report = await migrateDatabase(settings);
    process.stdout.write(`${describeMigrationReport(report).join('\n')}\n`);
    return EXIT.OK;
  } catch (err) {
    const e = err as { errno?: number; cause?: { errno?: number } };
    const denied = ACCESS_DENIED_ERRNOS.has(e.errno ?? e.cause?.errno ?? 0);
    const hint = denied ? ' (the migrations need DDL rights: pass --admin-user, or set LARS_MYSQL_ADMIN_USER)' : '';
    process.stderr.write(`db migrate: ${describeMysql(settings)}: ${(err as Error).message}${hint}\n`);
    return EXIT.FAILED;
  }
}

process.exitCode = await main(process.argv.slice(2));
