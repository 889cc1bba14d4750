import {
  type Config,
  type ConfigRule,
  hostRule,
  type ListItem,
  listRule,
  OUT_OF_RANGE,
  peerPortRule,
  readRules,
  stringRule,
} from '@lars/reactor';
import { isIP } from 'node:net';
import { ErrorCode, LarsError } from '@lars/wire';

/** One MySQL server address. */
export interface MysqlAddress {
  readonly host: string;
  readonly port: number;
}

/** Where a daemon's MySQL is: the `[mysql]` section every Lars daemon shares. */
export interface MysqlSettings {
  /** The one address when `hosts` is unset (`db_host`, `db_port`). */
  host: string;
  port: number;
  /**
   * Every address, in the order they are tried (`db_hosts`); when set and
   * not empty it replaces host/port. Read through mysqlAddresses().
   */
  hosts?: readonly MysqlAddress[];
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

/** A host name or an IPv4 address, the unbracketed form. */
const HOST = /^[A-Za-z0-9._-]+$/;

/** `host:port` or `[v6]:port`, the items of `db_hosts`. */
export function parseMysqlAddress(text: string): ListItem<MysqlAddress> {
  const bracketed = /^\[([^\]]+)\]:(\d+)$/.exec(text);
  const plain = /^([^:[\]]+):(\d+)$/.exec(text);
  const m = bracketed ?? plain;
  if (m === null) return { why: 'is not host:port (an IPv6 address as [addr]:port)' };
  const [, host, digits] = m;
  // isIP takes an IPv6 zone id (fe80::1%eth0), which net.connect, and so mysql2, honours.
  if (!(bracketed === null ? HOST.test(host) : isIP(host) !== 0))
    return { why: 'has no valid IP address or host name' };
  const port = Number(digits);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return { why: 'has a port outside 1..65535' };
  return { item: { host, port } };
}

const DB_HOSTS_RANGE = 'host:port, host:port, ... (one or more; a port 1..65535; IPv6 as [addr]:port)';

/**
 * `db_hosts`: a non-empty list of addresses. With `db_host` or `db_port`
 * also set, which of them holds is ambiguous: an error naming both keys.
 */
function dbHostsRule(): ConfigRule<WithMysql> {
  const list = listRule<WithMysql, MysqlAddress>('mysql', 'db_hosts', 'mysql.hosts', DB_HOSTS_RANGE, parseMysqlAddress);
  return {
    ...list,
    read: (c, s, k) => {
      const hosts = c.lookup(s, k);
      for (const other of ['db_host', 'db_port']) {
        const o = c.lookup(s, other);
        if (hosts === undefined || o === undefined) continue;
        throw new LarsError(
          ErrorCode.BAD_CONFIG,
          `${hosts.where}: [${hosts.section}] ${k} = ${hosts.value} and ${o.where === hosts.where ? '' : `${o.where}: `}` +
            `[${o.section}] ${other} = ${o.value}: set either db_hosts (every address) or db_host and db_port (one), not both`,
        );
      }
      const value = list.read(c, s, k) as MysqlAddress[];
      return value.length === 0 ? OUT_OF_RANGE : value;
    },
  };
}

/**
 * `[mysql] db_host, db_port, db_user, db_passwd, db_name`, as the original's
 * config files name them; the DNS's and the reporter's rules tables include them.
 */
export const MYSQL_RULES: readonly ConfigRule<WithMysql>[] = [
  hostRule('mysql', 'db_host', 'mysql.host'),
  peerPortRule('mysql', 'db_port', 'mysql.port'),
  dbHostsRule(),
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

/** The addresses to try, in order: `hosts` when set and not empty, else host:port. */
export function mysqlAddresses(s: MysqlSettings): readonly MysqlAddress[] {
  return s.hosts !== undefined && s.hosts.length > 0 ? s.hosts : [{ host: s.host, port: s.port }];
}

/** `host:port`, `[v6]:port`: as `db_hosts` spells an address. */
export function formatMysqlAddress(a: MysqlAddress): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

/** "user@host:port/database", or "user@host:port,host:port/database" for a list, for logs (never the password). */
export function describeMysql(s: MysqlSettings): string {
  return `${s.user}@${mysqlAddresses(s).map(formatMysqlAddress).join(',')}/${s.database}`;
}
