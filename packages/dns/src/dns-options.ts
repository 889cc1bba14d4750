import type { BackoffOptions, Logger, TcpGuardOptions } from '@lars/reactor';
import type { MysqlSettings } from '@lars/store';
import { SUBSCRIPTION_DEFAULTS } from './dns-subscriptions.js';

/** DnsServer's options (dns-config.ts maps lars_dns.conf onto them); the DnsServer constructor passes the TCP ones to its TcpServer. */
export interface DnsServerOptions extends TcpGuardOptions {
  /** `[reactor] ip`: bind address (loopback by default). */
  host?: string;
  /** `[reactor] port`; 0 picks a free port. */
  port?: number;
  /** `[reactor] maxConn`: past it a new connection displaces a never-valid silent one, else it is closed (TcpServer). */
  maxConn?: number;
  /** Per-connection output bound (bytes); an agent that never reads is cut off past it. */
  maxOutputBytes?: number;
  mysql?: Partial<MysqlSettings>;
  /**
   * `[dns] check_interval`, ms: how long one check waits in MySQL for
   * RouteVersion to move (MySQL re-reads it every versionPollMs and answers
   * at once when it does), so a DNS checks once per interval when nothing
   * changes; with versionPollMs 0, or on a server without anonymous compound
   * statements, how often it is read.
   */
  checkIntervalMs?: number;
  /**
   * `[dns] version_poll`, ms: how often MySQL re-reads RouteVersion while a
   * check waits, which bounds how long a commit goes unseen; each re-read
   * costs the MySQL server a primary-key read and a wake-up. 0: no wait in
   * MySQL, one read per check_interval.
   */
  versionPollMs?: number;
  /** `[dns] reload_interval`, ms: the whole table is reloaded this often (a round that finds a change loads it first and puts the reload off a round, at most one interval). */
  reloadIntervalMs?: number;
  /**
   * `[dns] change_retention`, seconds: RouteChange rows older than this are
   * deleted by the sweep (every DNS sweeps); a DNS whose cursor has not
   * moved for half of it reloads the whole table instead of trusting it.
   */
  changeRetentionS?: number;
  /** How often the loader sweeps RouteChange, ms. */
  sweepIntervalMs?: number;
  /**
   * `[dns] subscription_ttl`, ms: a subscription ends this long after the
   * later of its connection's last pull of the route and the last push sent
   * to it (dns-subscriptions.ts). At least 3 x the agents' update_timeout.
   */
  subscriptionTtlMs?: number;
  /** MySQL connect timeout of the loader, ms. */
  connectTimeoutMs?: number;
  /** Retry pacing while MySQL is down. */
  backoff?: BackoffOptions;
  /** Thread liveness (`/healthz`): how often main and the loader beat, and how long a silent one counts as alive. */
  heartbeat?: { intervalMs?: number; deadAfterMs?: number };
  /** prom-client's process and Node.js metrics on `/metrics` (tests that build many servers turn them off). */
  defaultMetrics?: boolean;
  logger?: Logger;
}

export const DEFAULTS = {
  host: '127.0.0.1',
  port: 7778,
  maxConn: 1024,
  maxOutputBytes: 8 * 1024 * 1024,
  checkIntervalMs: 100,
  versionPollMs: 10,
  reloadIntervalMs: 10_000,
  changeRetentionS: 3600,
  sweepIntervalMs: 60_000,
  subscriptionTtlMs: SUBSCRIPTION_DEFAULTS.ttlMs,
  connectTimeoutMs: 5000,
  backoff: { initialMs: 200, maxMs: 10_000, factor: 2, jitter: 0.2 },
} as const;
