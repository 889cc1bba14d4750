// `[reactor]`, the TCP server section of the DNS and the reporter (the
// original's keys plus Lars-TS's connection guards). Both daemons' rules
// tables include these rules; the options are TcpServer's, which both
// daemons pass through to their server.
import { hostRule, integerRule, listRule, listenPortRule, secondsRule } from './config-rule-kinds.js';
import type { ConfigRule } from './config-rules.js';
import { parseCidr } from './ip-allow-list.js';
import type { TcpServerOptions } from './tcp-server.js';

/** The TcpServer options the original's `[reactor]` keys set. */
export type ReactorOptions = Pick<TcpServerOptions, 'host' | 'port' | 'maxConn'>;

/** The TcpServer options of Lars-TS's connection guards in `[reactor]`. */
export type ReactorGuardOptions = Pick<
  TcpServerOptions,
  'maxConnPerIp' | 'frameTimeoutMs' | 'connIdleTimeoutMs' | 'allow'
>;

/** An item of a list of addresses or CIDR ranges (`[reactor] allow`, `[web] trust_proxy`): parseCidr's rule, its reason on failure. */
export function cidrItem(text: string): { item: string } | { why: string } {
  try {
    parseCidr(text);
    return { item: text };
  } catch (err) {
    // parseCidr names the code option; the file's error names the key instead, so keep only the reason.
    return { why: (err as Error).message.replace(/^.*?"[^"]*" /, '') };
  }
}

/** The range text of a cidrItem list. */
export const CIDR_LIST_RANGE = 'a comma list of IPv4/IPv6 addresses or CIDR ranges (10.0.0.0/8, fc00::/7)';

export const REACTOR_RULES: readonly ConfigRule<ReactorOptions>[] = [
  hostRule('reactor', 'ip', 'host'),
  listenPortRule('reactor', 'port', 'port'),
  integerRule('reactor', 'maxConn', 'maxConn', 1),
  // The original's I/O thread count: read and checked, changes nothing (docs/configuration.md).
  integerRule('reactor', 'threadNum', null, 1, 1024),
];

/** The connection guards (docs/configuration.md "[reactor]"): for a daemon whose options pass them to its TcpServer. */
export const REACTOR_GUARD_RULES: readonly ConfigRule<ReactorGuardOptions>[] = [
  secondsRule('reactor', 'frame_timeout', 'frameTimeoutMs', 1),
  integerRule('reactor', 'max_conn_per_ip', 'maxConnPerIp', 1),
  secondsRule('reactor', 'conn_idle_timeout', 'connIdleTimeoutMs', 0, 'off'),
  listRule('reactor', 'allow', 'allow', CIDR_LIST_RANGE, cidrItem),
];
