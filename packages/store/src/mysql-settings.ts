import { type Config, type ConfigRule, hostRule, peerPortRule, readRules, stringRule } from '@lars/reactor';

/** Where a daemon's MySQL is: the `[mysql]` section every Lars daemon shares. */
export interface MysqlSettings {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

export const MYSQL_DEFAULTS: MysqlSettings = {
  host: '127.0.0.1',
  port: 3306,
  user: 'lars',
  password: 'lars',
  database: 'lars_dns',
};

/** Options of a daemon that has a `[mysql]` section. */
export interface WithMysql {
  mysql?: Partial<MysqlSettings>;
}

const nonEmpty = (v: string): boolean => v.length > 0;

/**
 * `[mysql] db_host, db_port, db_user, db_passwd, db_name`, as the original's
 * config files name them; the DNS's and the reporter's rules tables include them.
 */
export const MYSQL_RULES: readonly ConfigRule<WithMysql>[] = [
  hostRule('mysql', 'db_host', 'mysql.host'),
  peerPortRule('mysql', 'db_port', 'mysql.port'),
  stringRule('mysql', 'db_user', 'mysql.user', 'a non-empty user name', nonEmpty),
  stringRule('mysql', 'db_passwd', 'mysql.password', 'any string', () => true),
  stringRule('mysql', 'db_name', 'mysql.database', 'a non-empty database name', nonEmpty),
];

/**
 * The `[mysql]` keys present (range-checked), for a daemon's options: the
 * server merges them over MYSQL_DEFAULTS.
 */
export function mysqlOptionsFromConfig(config: Config): Partial<MysqlSettings> {
  return readRules(config, MYSQL_RULES).options.mysql ?? {};
}

/**
 * Complete settings for a tool (`route`, `db migrate`): the keys present over
 * MYSQL_DEFAULTS. Only `[mysql]` is checked: a tool reads the DNS's file,
 * whose other sections are the DNS's business.
 */
export function mysqlSettingsFromConfig(config: Config): MysqlSettings {
  return { ...MYSQL_DEFAULTS, ...mysqlOptionsFromConfig(config) };
}

/** "user@host:port/database", for logs (never the password). */
export function describeMysql(s: MysqlSettings): string {
  return `${s.user}@${s.host}:${s.port}/${s.database}`;
}
