// `[stats]`, the section all three daemons share: runDaemon reads it, each
// daemon's rules table includes these rules so the section is known there.
import type { Config } from './config.js';
import { hostRule, integerRule } from './config-rule-kinds.js';
import { type ConfigRule, readRules } from './config-rules.js';

/** `[stats] ip` when the file does not set it: loopback, so counters are not served to the network. */
export const STATS_DEFAULT_HOST = '127.0.0.1';

/** runDaemon reads these itself, so they set no option of the daemon (option null). */
export const STATS_RULES: readonly ConfigRule<never>[] = [
  integerRule<never>('stats', 'port', null, 0, 65535, 'a port 0..65535 (0: the endpoint is off)'),
  hostRule<never>('stats', 'ip', null),
];

/** `[stats] port` and `ip` as set (range-checked), else the daemon's default port and loopback. */
export function statsEndpointFromConfig(config: Config, defaultPort: number): { host: string; port: number } {
  const { values } = readRules(config, STATS_RULES);
  return {
    host: (values.get('stats ip') as string | undefined) ?? STATS_DEFAULT_HOST,
    port: (values.get('stats port') as number | undefined) ?? defaultPort,
  };
}
