// The one list of LARS_* environment variables that are not `LARS_<SECTION>_<KEY>`
// config overrides. A daemon's config check (config-rules.ts) accepts exactly
// these beside its own keys; docs/configuration.md lists the same names, and a
// test holds the two together.

/** Variable name -> what reads it (for the error message that lists them). */
export const NON_CONFIG_VARIABLES = Object.freeze({
  LARS_CONF: 'the config file of a daemon or tool (daemon-args.ts, mysql-config-file.ts)',
  LARS_LOG_LEVEL: 'the pino level of every daemon (logger.ts)',
  LARS_LOG_FILE: 'a file the daemon logs into instead of stdout (logger.ts)',
  LARS_LOG_MAX_BYTES: 'the size at which LARS_LOG_FILE rotates (logger.ts)',
  LARS_LOG_KEEP: 'how many rotated log files are kept (logger.ts)',
  LARS_FROM_SOURCE: 'run_lars.sh runs the TypeScript sources instead of the build',
  LARS_STATUS_TIMEOUT_MS: 'how long run_lars.sh status waits for each stats request (lars-status.ts)',
  LARS_STATUS_ROOT: 'the directory run_lars.sh status reads conf/ and var/ from (lars-status.ts)',
  LARS_MYSQL_ADMIN_USER: 'the user db migrate logs in as (migrate-cli.ts)',
  LARS_MYSQL_ADMIN_PASSWD: 'its password (migrate-cli.ts)',
  LARS_MYSQL_DATA_DIR: 'the data directory of the local MariaDB (mysql-local.sh)',
  LARS_MYSQL_START_TIMEOUT: 'how long mysql-local.sh and galera-cluster.sh wait for MariaDB to answer, seconds',
  LARS_GALERA_BASE_PORT: 'the first of the 12 loopback ports of the local Galera cluster (galera-cluster.sh)',
  LARS_GALERA_DIR: 'the directory of the local Galera cluster, default var/galera (galera-cluster.sh)',
  LARS_FUZZ_SEED: 'the seed of the fuzz tests, to reproduce a run (test-support/fuzz-inputs.ts)',
  LARS_CHROMIUM: 'the headless Chromium of the web console browser tests (scripts/ensure-chromium.sh prints it)',
} as const);

export type NonConfigVariable = keyof typeof NON_CONFIG_VARIABLES;

export function isNonConfigVariable(name: string): name is NonConfigVariable {
  return Object.hasOwn(NON_CONFIG_VARIABLES, name);
}

/**
 * Every config section of every Lars daemon (and the original reporter's
 * `[repoter]`). A `LARS_<SECTION>_...` variable of a section no daemon has,
 * and not in NON_CONFIG_VARIABLES, is a mistake (`LARS_LOG_LEVLE`); one of a
 * section another daemon has belongs to that daemon. A test checks this list
 * against every daemon's rules table.
 */
export const LARS_CONFIG_SECTIONS = Object.freeze([
  'reactor',
  'mysql',
  'dns',
  'reporter',
  'repoter',
  'dnsserver',
  'loadbalance',
  'agent',
  'web',
  'stats',
] as const);
