// The config file a command-line tool reads its `[mysql]` section from.
import { existsSync } from 'node:fs';
import { Config, isNonConfigVariable, nearest, readRules } from '@lars/reactor';
import { ErrorCode, LarsError } from '@lars/wire';
import { MYSQL_RULES } from './mysql-settings.js';

/** A config the `[mysql]` settings come from, and a sentence saying where that was looked for. */
export interface FoundMysqlConfig {
  config: Config;
  from: string;
}

const DEFAULT_CONF = 'conf/lars_dns.conf';

/**
 * Where a tool (`route`, `db migrate`) finds MySQL, first match wins: `--conf FILE`, `$LARS_CONF`,
 * `conf/lars_dns.conf` in the working directory (a checkout), else no file at
 * all, so a globally installed tool runs from anywhere on the `LARS_MYSQL_*`
 * variables and the defaults. The variables override a file's keys as they do
 * for every daemon. A file that was named but cannot be read is an error.
 */
export function findMysqlConfig(
  confFlag: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): FoundMysqlConfig {
  const vars = Object.keys(env)
    .filter((k) => k.startsWith('LARS_MYSQL_') && !isNonConfigVariable(k) && env[k] !== undefined)
    .sort();
  const known = MYSQL_RULES.map((r) => Config.envName(r.section, r.key));
  const unknown = vars.find((k) => !known.includes(k));
  if (unknown !== undefined) {
    throw new LarsError(
      ErrorCode.BAD_CONFIG,
      `environment ${unknown}: there is no [mysql] key of that name; the nearest is ${nearest(unknown, known)}`,
    );
  }
  const found = locate(confFlag, env, vars);
  // Range-checked here, where the callers report a bad setting, not first when connecting.
  readRules(found.config, MYSQL_RULES);
  return found;
}

function locate(
  confFlag: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  vars: readonly string[],
): FoundMysqlConfig {
  const overrides = vars.length === 0 ? 'no LARS_MYSQL_* variables' : `overridden by ${vars.join(', ')}`;
  if (confFlag !== undefined)
    return { config: Config.load(confFlag, { env }), from: `--conf ${confFlag}, ${overrides}` };
  const fromEnv = env.LARS_CONF;
  if (fromEnv !== undefined && fromEnv !== '') {
    return { config: Config.load(fromEnv, { env }), from: `LARS_CONF=${fromEnv}, ${overrides}` };
  }
  if (existsSync(DEFAULT_CONF)) {
    return {
      config: Config.load(DEFAULT_CONF, { env }),
      from: `${DEFAULT_CONF} (no --conf, no LARS_CONF), ${overrides}`,
    };
  }
  return {
    config: new Config('', { source: '<no config file>', env }),
    from: `the defaults (no --conf, no LARS_CONF, no ${DEFAULT_CONF} in ${process.cwd()}), ${overrides}`,
  };
}
