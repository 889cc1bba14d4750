import {
  type Config,
  type ConfigSchema,
  type ConfigWarn,
  integerRule,
  readDaemonConfig,
  REACTOR_GUARD_RULES,
  REACTOR_RULES,
  secondsRule,
  STATS_RULES,
  sharedRules,
} from '@lars/reactor';
import { MYSQL_RULES } from '@lars/store';
import type { DnsServerOptions } from './dns-options.js';

// The shared rule lists set fields DnsServerOptions must have (HasFields, checked per list).
const shared = sharedRules<DnsServerOptions>();

/**
 * lars_dns.conf, every key the DNS reads (docs/configuration.md "DNS"): the
 * original's `[reactor]` and `[mysql]`, Lars-TS's `[dns]`, and `[stats]`
 * (read by runDaemon). `[reactor] threadNum` (the original's I/O thread
 * count) is read and checked but changes nothing: Node cannot share one
 * listening socket among worker threads, so connections are served on the
 * main thread (each request is one table lookup) and loading runs on its own
 * worker thread.
 */
export const DNS_CONFIG: ConfigSchema<DnsServerOptions> = {
  daemon: 'lars-dns',
  rules: [
    ...shared(REACTOR_RULES, true),
    ...shared(REACTOR_GUARD_RULES, true),
    ...shared(MYSQL_RULES, true),
    secondsRule('dns', 'check_interval', 'checkIntervalMs', 1),
    secondsRule('dns', 'version_poll', 'versionPollMs', 0, 'no wait in MySQL: one read per check_interval', 1000),
    secondsRule('dns', 'reload_interval', 'reloadIntervalMs', 1),
    integerRule('dns', 'change_retention', 'changeRetentionS', 60, undefined, 'seconds, an integer >= 60'),
    secondsRule('dns', 'subscription_ttl', 'subscriptionTtlMs', 1),
    ...shared(STATS_RULES, true),
  ],
};

/**
 * DnsServerOptions from lars_dns.conf: only the keys present (the DnsServer's
 * DEFAULTS give the rest); an unknown section, key or LARS_ variable, or a
 * value out of its range, is a LARS_BAD_CONFIG error naming it.
 */
export function dnsOptionsFromConfig(config: Config, warn?: ConfigWarn): DnsServerOptions {
  return readDaemonConfig(config, DNS_CONFIG, warn).options;
}
