import type { Logger } from '@lars/reactor';
import type { WithMysql } from '@lars/store';

/** A daemon's stats endpoint the console reads (`[web] dns_stats` ...). */
export interface StatsAddress {
  host: string;
  port: number;
}

/** Every field optional: WebServer merges DEFAULTS (web-server.ts) once. */
export interface WebServerOptions extends WithMysql {
  /** `[web] ip`: the bind address. Loopback by default: put TLS in front before opening it up. */
  host?: string;
  /** `[web] port`; 0: any free port (tests). */
  port?: number;
  /** `[web] dns_stats`, `reporter_stats`, `agent_stats`: the stats endpoints the system pages read. */
  dnsStats?: StatsAddress[];
  reporterStats?: StatsAddress[];
  agentStats?: StatsAddress[];
  /** `[web] session_ttl`: a session expires this long after its last request. */
  sessionTtlMs?: number;
  /** `[web] login_attempts`: failed logins allowed per user and per address within login_window. */
  loginAttempts?: number;
  /** `[web] login_window`. */
  loginWindowMs?: number;
  /**
   * `[web] secure_cookies`: mark the session cookie Secure. Off by default: on
   * plain http over loopback a browser would not send a Secure cookie back.
   * Turn it on behind TLS.
   */
  secureCookies?: boolean;
  /** MySQL connections the console keeps (pool size). */
  mysqlConnections?: number;
  connectTimeoutMs?: number;
  /** prom-client's process and Node.js metrics (off in tests that build many servers). */
  defaultMetrics?: boolean;
  /** Unix ms; injected by tests of expiry and rate limits. */
  now?: () => number;
  logger?: Logger;
}
