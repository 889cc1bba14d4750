import {
  type Config,
  type ConfigSchema,
  type ConfigWarn,
  hostRule,
  integerRule,
  type ListItem,
  listenPortRule,
  listRule,
  readDaemonConfig,
  STATS_RULES,
  secondsRule,
  sharedRules,
} from '@lars/reactor';
import { MYSQL_RULES } from '@lars/store';
import type { StatsAddress, WebServerOptions } from './web-options.js';

// The shared rule lists set fields WebServerOptions must have (HasFields, checked per list).
const shared = sharedRules<WebServerOptions>();

/** An item of a `*_stats` list: `host:port`, the port 1..65535. */
function statsAddress(text: string): ListItem<StatsAddress> {
  const m = /^([A-Za-z0-9.:_%-]+):(\d{1,5})$/.exec(text);
  const port = m === null ? Number.NaN : Number(m[2]);
  if (m === null || port < 1 || port > 65535) return { why: 'is not host:port with a port 1..65535' };
  return { item: { host: m[1], port } };
}

const STATS_LIST = "host:port, host:port, ... (ports 1..65535; the daemons' [stats] endpoints)";

/**
 * lars_web.conf, every key the console reads (docs/configuration.md "Web
 * console"): `[web]`, `[mysql]` as the other daemons, and `[stats]` (its
 * /metrics, /stats, /healthz and /readyz on their own port, as every daemon).
 */
export const WEB_CONFIG: ConfigSchema<WebServerOptions> = {
  daemon: 'lars-web',
  rules: [
    hostRule('web', 'ip', 'host'),
    listenPortRule('web', 'port', 'port'),
    listRule('web', 'dns_stats', 'dnsStats', STATS_LIST, statsAddress),
    listRule('web', 'reporter_stats', 'reporterStats', STATS_LIST, statsAddress),
    listRule('web', 'agent_stats', 'agentStats', STATS_LIST, statsAddress),
    secondsRule('web', 'session_ttl', 'sessionTtlMs', 1),
    integerRule('web', 'login_attempts', 'loginAttempts', 1, 1000),
    secondsRule('web', 'login_window', 'loginWindowMs', 1),
    {
      section: 'web',
      key: 'secure_cookies',
      option: 'secureCookies',
      range: 'true or false',
      read: (c, s, k) => c.getBool(s, k, false),
    },
    integerRule('web', 'mysql_connections', 'mysqlConnections', 1, 64),
    ...shared(MYSQL_RULES, true),
    ...shared(STATS_RULES, true),
  ],
};

/**
 * WebServerOptions from lars_web.conf: only the keys present (the
 * WebServer's DEFAULTS give the rest); an unknown section, key or LARS_
 * variable, or a value out of its range, is a LARS_BAD_CONFIG error naming it.
 */
export function webOptionsFromConfig(config: Config, warn?: ConfigWarn): WebServerOptions {
  return readDaemonConfig(config, WEB_CONFIG, warn).options;
}
