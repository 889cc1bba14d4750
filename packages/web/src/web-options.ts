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
  /** `[web] agent`: an LB agent's UDP base port; the route pages show what it holds for the route. Unset: not shown. */
  agent?: StatsAddress;
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
  /**
   * `[web] trust_proxy`: the reverse proxies (addresses or CIDR ranges) whose
   * X-Forwarded-For is believed. Empty (the default): the client address is
   * the TCP peer's, and a forwarded header is ignored, since anyone can send one.
   * It is the address logins are limited by and changes are recorded from.
   */
  trustProxy?: string[];
  /** MySQL connections the console keeps (pool size). */
  mysqlConnections?: number;
  connectTimeoutMs?: number;
  /**
   * `[web] rollup_interval`: the width of a CallStatusMinute bucket, which must be
   * the reporter's `[reporter] rollup_interval` (the rows do not say it).
   */
  rollupIntervalMs?: number;
  /** `[web] alert_error_rate`: err / (succ + err) over alert_window at or above which a host is alerted (0..1). */
  alertErrorRate?: number;
  /** `[web] alert_min_calls`: calls in the window below which the error rate alerts nothing. */
  alertMinCalls?: number;
  /** `[web] alert_window`: the rollup looked at. */
  alertWindowMs?: number;
  /** `[web] alert_interval`: how often the alerts are evaluated. */
  alertIntervalMs?: number;
  /** `[web] alert_webhook`: an http(s) URL each raised and cleared alert is POSTed to (JSON); unset: none. */
  alertWebhook?: string;
  /** `[web] alert_webhook_retries`: attempts after the first. */
  alertWebhookRetries?: number;
  /** `[web] alert_webhook_timeout`: one attempt's bound. */
  alertWebhookTimeoutMs?: number;
  /** prom-client's process and Node.js metrics (off in tests that build many servers). */
  defaultMetrics?: boolean;
  /** Unix ms; injected by tests of expiry and rate limits. */
  now?: () => number;
  logger?: Logger;
}
