#!/usr/bin/env node
// lars-web-user (`./run_lars.sh web-user ...`): the console's accounts from the command line.
//   lars-web-user [--conf FILE] add NAME ROLE    create a user (ROLE: viewer, editor, admin)
//   lars-web-user [--conf FILE] passwd NAME      set a new password (and end the user's sessions)
//   lars-web-user [--conf FILE] del NAME         delete a user, with their sessions and API tokens
//   lars-web-user [--conf FILE] list             the users and their roles
// The password is read from stdin (typed without echo on a terminal, else the
// first line), never from an argument. MySQL: [mysql] of --conf FILE,
// $LARS_CONF, or conf/lars_web.conf, with LARS_MYSQL_* overrides.
// Exit status: 0 done, 1 refused or failed (the message says why), 2 usage.
import { existsSync, readFileSync } from 'node:fs';
import { createMysqlPool, describeMysql, findMysqlConfig, MYSQL_DEFAULTS, mysqlOptionsFromConfig } from '@lars/store';
import { Accounts, passwordProblem, userNameProblem } from './accounts.js';
import { readPassword } from './read-password.js';
import { isRole, ROLE_NAMES } from './roles.js';

const WEB_CONF = 'conf/lars_web.conf';
const Exit = { OK: 0, FAILED: 1, USAGE: 2 } as const;

const USAGE = `usage: lars-web-user [--conf FILE] add NAME ROLE    create a user (ROLE: ${ROLE_NAMES.join(', ')})
       lars-web-user [--conf FILE] passwd NAME      set a new password (ends the user's sessions)
       lars-web-user [--conf FILE] del NAME         delete a user (with their sessions and API tokens)
       lars-web-user [--conf FILE] list             the users and their roles
The password is read from stdin (without echo on a terminal), never from an argument.
MySQL: [mysql] of --conf FILE, $LARS_CONF or ${WEB_CONF}; LARS_MYSQL_* override it.
`;

class UsageError extends Error {}

function parse(argv: readonly string[]): { conf?: string; cmd: string; args: string[] } | 'help' | 'version' {
  const rest: string[] = [];
  let conf: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--help' || a === '-h') return 'help';
    if (a === '--version') return 'version';
    if (a === '--conf') {
      conf = argv[++i];
      if (conf === undefined) throw new UsageError('--conf needs a FILE');
    } else if (a.startsWith('-')) throw new UsageError(`unknown option ${a}`);
    else rest.push(a);
  }
  const [cmd, ...args] = rest;
  const arity: Record<string, number> = { add: 2, passwd: 1, del: 1, list: 0 };
  if (cmd === undefined) throw new UsageError('a command is needed');
  if (!(cmd in arity)) throw new UsageError(`unknown command ${cmd}`);
  if (args.length !== arity[cmd]) throw new UsageError(`${cmd} takes ${arity[cmd]} argument(s), got ${args.length}`);
  if (cmd !== 'list') {
    const bad = userNameProblem(args[0]);
    if (bad !== null) throw new UsageError(`NAME "${args[0]}": ${bad}`);
  }
  if (cmd === 'add' && !isRole(args[1])) throw new UsageError(`ROLE "${args[1]}": one of ${ROLE_NAMES.join(', ')}`);
  return { conf, cmd, args };
}

async function main(): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`lars-web-user: ${err.message}\n${USAGE}`);
    return Exit.USAGE;
  }
  if (parsed === 'help') {
    process.stdout.write(USAGE);
    return Exit.OK;
  }
  if (parsed === 'version') {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    process.stdout.write(`lars-web-user ${pkg.version}\n`);
    return Exit.OK;
  }
  const { cmd, args } = parsed;
  const conf = parsed.conf ?? (process.env.LARS_CONF || !existsSync(WEB_CONF) ? undefined : WEB_CONF);
  const found = findMysqlConfig(conf, process.env);
  const mysql = { ...MYSQL_DEFAULTS, ...mysqlOptionsFromConfig(found.config) };

  let password = '';
  if (cmd === 'add' || cmd === 'passwd') {
    const typed = await readPassword(process.stdin, process.stderr, true);
    if (typed === null) {
      process.stderr.write('lars-web-user: no password read from stdin (or the two entries differ)\n');
      return Exit.FAILED;
    }
    const bad = passwordProblem(typed);
    if (bad !== null) {
      process.stderr.write(`lars-web-user: ${bad}\n`);
      return Exit.FAILED;
    }
    password = typed;
  }

  const pool = createMysqlPool(mysql, { connectionLimit: 1 });
  try {
    const accounts = new Accounts(pool);
    if (cmd === 'list') {
      for (const u of await accounts.list()) process.stdout.write(`${u.name}\t${u.role}\n`);
      return Exit.OK;
    }
    const result =
      cmd === 'add'
        ? await accounts.add(args[0], args[1], password)
        : cmd === 'passwd'
          ? await accounts.setPassword(args[0], password)
          : await accounts.remove(args[0]);
    if (!result.ok) {
      const why = result.reason === 'exists' ? `user ${args[0]} exists already` : `there is no user ${args[0]}`;
      process.stderr.write(`lars-web-user: ${why}\n`);
      return Exit.FAILED;
    }
    const did = {
      add: `added ${args[0]} (${args[1]})`,
      passwd: `new password for ${args[0]}`,
      del: `deleted ${args[0]}`,
    };
    process.stdout.write(`${did[cmd as keyof typeof did]} in ${describeMysql(mysql)}\n`);
    return Exit.OK;
  } catch (err) {
    const e = err as { code?: string; message: string };
    const hint = e.code === 'ER_NO_SUCH_TABLE' ? ' (apply the migrations: ./run_lars.sh db migrate)' : '';
    process.stderr.write(`lars-web-user: ${describeMysql(mysql)} (${found.from}): ${e.message}${hint}\n`);
    return Exit.FAILED;
  } finally {
    await pool.end();
  }
}

process.exitCode = await main().catch((err: Error) => {
  // A bad config file or LARS_MYSQL_* value: the message names it.
  process.stderr.write(`lars-web-user: ${err.message}\n`);
  return Exit.FAILED;
});
