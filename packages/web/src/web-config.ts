import {
  CIDR_LIST_RANGE,
  cidrItem,
  type Config,
  type ConfigRule,
  type ConfigSchema,
  type ConfigWarn,
  hostRule,
  integerRule,
  type ListItem,
  listenPortRule,
  listRule,
  outOfRange,
  numberRule,
  stringRule,
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

/** `[web] alert_webhook`: an absolute http(s) URL (what fetch can POST to). */
export function isWebhookUrl(text: string): boolean {
  return /^https?:\/\/\S+$/i.test(text) && URL.canParse(text);
}

const STATS_LIST = "host:port, host:port, ... (ports 1..65535; the daemons' [stats] endpoints)";

/** `[web] agent`: one host:port, a UDP base port (its three ports must fit under 65536). */
const AGENT_RULE: ConfigRule<WebServerOptions> = {
  section: 'web',
  key: 'agent',
  option: 'agent',
  range: "host:port (an LB agent's UDP base port 1..65533)",
  read: (c, s, k) => {
    const text = c.getString(s, k, '');
    const a = statsAddress(text);
    if ('why' in a || a.item.port > 65533)
      throw outOfRange(c, AGENT_RULE as ConfigRule<unknown>, `${JSON.stringify(text)} is not host:port`);
    return a.item;
  },
};

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
    AGENT_RULE,
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
    listRule('web', 'trust_proxy', 'trustProxy', CIDR_LIST_RANGE, cidrItem),
    integerRule('web', 'mysql_connections', 'mysqlConnections', 1, 64),
    secondsRule('web', 'rollup_interval', 'rollupIntervalMs', 1, undefined, 3_600_000),
    numberRule('web', 'alert_error_rate', 'alertErrorRate', { min: 0, max: 1 }),
    integerRule('web', 'alert_min_calls', 'alertMinCalls', 1),
    secondsRule('web', 'alert_window', 'alertWindowMs', 1),
    secondsRule('web', 'alert_interval', 'alertIntervalMs', 1),
    stringRule('web', 'alert_webhook', 'alertWebhook', 'an http:// or https:// URL', isWebhookUrl),
    integerRule('web', 'alert_webhook_retries', 'alertWebhookRetries', 0, 100),
    secondsRule('web', 'alert_webhook_timeout', 'alertWebhookTimeoutMs', 1),
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
