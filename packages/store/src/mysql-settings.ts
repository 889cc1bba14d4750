import type { Config } from '@lars/reactor';

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

/** `[mysql] db_host, db_port, db_user, db_passwd, db_name`, as the original's config files name them. */
export function mysqlSettingsFromConfig(config: Config): MysqlSettings {
  return {
    host: config.getString('mysql', 'db_host', MYSQL_DEFAULTS.host),
    port: config.getNumber('mysql', 'db_port', MYSQL_DEFAULTS.port),
    user: config.getString('mysql', 'db_user', MYSQL_DEFAULTS.user),
    password: config.getString('mysql', 'db_passwd', MYSQL_DEFAULTS.password),
    database: config.getString('mysql', 'db_name', MYSQL_DEFAULTS.database),
  };
}

/** "user@host:port/database", for logs (never the password). */
export function describeMysql(s: MysqlSettings): string {
  return `${s.user}@${s.host}:${s.port}/${s.database}`;
}
