import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { checkOption } from '@lars/wire';
import { DaemonMetrics, type DaemonHealth, healthReport, type Logger, silentLogger } from '@lars/reactor';
import { createMysqlPool, describeMysql, MYSQL_DEFAULTS, type MysqlSettings } from '@lars/store';
import type { FastifyInstance } from 'fastify';
import type { Pool } from 'mysql2/promise';
import { Accounts } from './accounts.js';
import { AgentRouteView } from './agent-route-view.js';
import { AlertMonitor } from './alert-monitor.js';
import { evaluateAlerts } from './alert-rules.js';
import { alertInputs } from './call-status-query.js';
import { LoginLimiter } from './login-limiter.js';
import { SessionStore } from './sessions.js';
import { buildApp } from './web-app.js';
import { isWebhookUrl } from './web-config.js';
import { WebCounters } from './web-counters.js';
import { WEB_METRICS } from './web-metrics.js';
import { WebhookSender } from './webhook-sender.js';
import type { StatsAddress, WebServerOptions } from './web-options.js';

export type { WebServerOptions } from './web-options.js';

const PACKAGE = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

/** Every option's default, merged once in the constructor. */
export const WEB_DEFAULTS = {
  host: '127.0.0.1',
  port: 7780,
  dnsStats: [{ host: '127.0.0.1', port: 7788 }] as StatsAddress[],
  reporterStats: [{ host: '127.0.0.1', port: 7789 }] as StatsAddress[],
  agentStats: [{ host: '127.0.0.1', port: 8898 }] as StatsAddress[],
  sessionTtlMs: 12 * 3600_000,
  loginAttempts: 5,
  loginWindowMs: 15 * 60_000,
  secureCookies: false,
  trustProxy: [] as string[],
  mysqlConnections: 4,
  connectTimeoutMs: 5_000,
  defaultMetrics: true,
  /** `[web] rollup_interval`: the reporter's CallStatusMinute bucket. */
  rollupIntervalMs: 60_000,
  alertErrorRate: 0.1,
  alertMinCalls: 20,
  alertWindowMs: 300_000,
  alertIntervalMs: 15_000,
  alertWebhookRetries: 3,
  alertWebhookTimeoutMs: 5_000,
  /** How often expired sessions are deleted (and the sessions gauge read). */
  sweepIntervalMs: 10 * 60_000,
} as const;

/**
 * The web console daemon: an HTTP server (fastify) on `[web] ip:port`
 * over MySQL through a small pool. `/metrics`, `/stats`, `/healthz` and
 * `/readyz` are on the `[stats]` port as for every daemon (runDaemon),
 * not on the console's port. Ready once MySQL answered.
 */
export class WebServer {
  readonly metrics: DaemonMetrics<typeof WEB_METRICS>;
  readonly health: DaemonHealth;
  readonly counters = new WebCounters();
  readonly accounts: Accounts;
  private readonly pool: Pool;
  private readonly sessions: SessionStore;
  private readonly limiter: LoginLimiter;
  private readonly logger: Logger;
  private readonly o: Required<Omit<WebServerOptions, 'mysql' | 'logger' | 'alertWebhook' | 'agent'>> & {
    sweepIntervalMs: number;
  };
  /** `[web] agent`'s view of a route, for the route pages. */
  private readonly agentView: AgentRouteView;
  /** The alerts now (GET /alerts), evaluated every alert_interval once started. */
  readonly alerts: AlertMonitor;
  /** `[web] alert_webhook`, when set. */
  private readonly webhook: WebhookSender | null;
  private readonly mysql: MysqlSettings;
  private app: FastifyInstance | null = null;
  private sweepTimer: NodeJS.Timeout | null = null;
  private closed = false;
  /** Why the last sweep could not reach MySQL or its tables, for /readyz. */
  private mysqlProblem = 'no query yet';

  constructor(options: WebServerOptions = {}) {
    this.o = { ...WEB_DEFAULTS, now: Date.now, ...stripUndefined(options) };
    const o = this.o;
    checkOption(typeof o.host === 'string' && o.host.length > 0, 'host', 'must be an address');
    checkOption(Number.isInteger(o.port) && o.port >= 0 && o.port <= 65535, 'port', 'must be 0..65535');
    checkOption(Number.isInteger(o.sessionTtlMs) && o.sessionTtlMs > 0, 'sessionTtlMs', 'must be > 0');
    checkOption(Number.isInteger(o.loginAttempts) && o.loginAttempts >= 1, 'loginAttempts', 'must be >= 1');
    checkOption(Number.isInteger(o.loginWindowMs) && o.loginWindowMs > 0, 'loginWindowMs', 'must be > 0');
    checkOption(Number.isInteger(o.mysqlConnections) && o.mysqlConnections >= 1, 'mysqlConnections', 'must be >= 1');
    checkOption(
      Number.isInteger(o.rollupIntervalMs / 1000) && o.rollupIntervalMs >= 1000 && o.rollupIntervalMs <= 3_600_000,
      'rollupIntervalMs',
      'must be whole seconds, 1 s .. 1 h',
    );
    checkOption(o.alertErrorRate >= 0 && o.alertErrorRate <= 1, 'alertErrorRate', 'must be 0..1');
    checkOption(Number.isInteger(o.alertMinCalls) && o.alertMinCalls >= 1, 'alertMinCalls', 'must be >= 1');
    checkOption(Number.isInteger(o.alertWindowMs) && o.alertWindowMs >= 1000, 'alertWindowMs', 'must be >= 1 s');
    checkOption(Number.isInteger(o.alertIntervalMs) && o.alertIntervalMs >= 1000, 'alertIntervalMs', 'must be >= 1 s');
    checkOption(
      options.alertWebhook === undefined || isWebhookUrl(options.alertWebhook),
      'alertWebhook',
      'must be an http:// or https:// URL',
    );
    this.mysql = { ...MYSQL_DEFAULTS, ...options.mysql };
    this.logger = (options.logger ?? silentLogger()).child({ component: 'web' });
    this.pool = createMysqlPool(this.mysql, {
      connectionLimit: o.mysqlConnections,
      connectTimeoutMs: o.connectTimeoutMs,
      logger: this.logger,
      // BIGINT unix-ms columns fit a double exactly for 285,000 years.
      supportBigNumbers: true,
    });
    this.accounts = new Accounts(this.pool, o.now);
    this.sessions = new SessionStore(this.pool, o.sessionTtlMs, o.now);
    this.limiter = new LoginLimiter(o.loginAttempts, o.loginWindowMs, o.now);
    const windowS = Math.ceil(o.alertWindowMs / 1000);
    this.alerts = new AlertMonitor(
      async () => {
        const { status, window } = await alertInputs(this.pool, Math.floor(o.now() / 1000) - windowS);
        return evaluateAlerts(status, window, { errorRate: o.alertErrorRate, minCalls: o.alertMinCalls });
      },
      { intervalMs: o.alertIntervalMs },
      this.logger,
    );
    this.agentView = new AgentRouteView(options.agent);
    this.webhook =
      options.alertWebhook === undefined
        ? null
        : new WebhookSender(options.alertWebhook, this.counters, {
            retries: o.alertWebhookRetries,
            timeoutMs: o.alertWebhookTimeoutMs,
            logger: this.logger,
          });
    // Which console raised it: a receiver may hear from several.
    const consoleName = `${hostname()}:${o.port}`;
    this.alerts.on((event, alert) => void this.webhook?.send({ event, alert, console: consoleName }));
    this.metrics = new DaemonMetrics(WEB_METRICS, {
      daemon: 'web',
      version: PACKAGE.version,
      collect: () => this.stats(),
      health: () => this.health,
      defaultMetrics: o.defaultMetrics,
    });
    this.health = {
      live: () => healthReport({ main: { ok: !this.closed, detail: this.closed ? 'closed' : 'serving' } }),
      ready: () =>
        healthReport({
          http: { ok: this.app !== null, detail: this.app === null ? 'not listening yet' : 'listening' },
          mysql: {
            ok: this.counters.mysqlUp === 1,
            detail: this.counters.mysqlUp === 1 ? 'reachable' : `${describeMysql(this.mysql)}: ${this.mysqlProblem}`,
          },
        }),
    };
  }

  stats() {
    const c = this.counters;
    return {
      requests: c.requests,
      serverErrors: c.serverErrors,
      logins: c.logins,
      loginFailures: c.loginFailures,
      loginsLimited: c.loginsLimited,
      csrfRefused: c.csrfRefused,
      authRefused: c.authRefused,
      tokenRequests: c.tokenRequests,
      sessions: c.sessions,
      mysqlUp: c.mysqlUp,
      // A gauge read from the monitor's set, not a counter kept beside it.
      alertsActive: this.alerts.current()?.length ?? 0,
      routeChanges: c.routeChanges,
      webhookSent: c.webhookSent,
      webhookFailed: c.webhookFailed,
      webhookRetried: c.webhookRetried,
    };
  }

  /** The fastify instance, for inject in tests (after start). */
  get fastify(): FastifyInstance {
    if (this.app === null) throw new Error('WebServer not started');
    return this.app;
  }

  /** Where it listens (the real port when `port` was 0). */
  address(): { host: string; port: number } {
    const a = this.fastify.server.address();
    if (a === null || typeof a === 'string') throw new Error('WebServer not listening');
    return { host: a.address, port: a.port };
  }

  /** Builds the app, checks MySQL once (a failure is logged, not fatal: /readyz says so), and listens. */
  async start(): Promise<void> {
    const app = await buildApp({
      pool: this.pool,
      logger: this.logger,
      accounts: this.accounts,
      sessions: this.sessions,
      counters: this.counters,
      limiter: this.limiter,
      sessionTtlMs: this.o.sessionTtlMs,
      loginWindowMs: this.o.loginWindowMs,
      trustProxy: this.o.trustProxy,
      agentView: this.agentView,
      daemons: { dns: this.o.dnsStats, reporter: this.o.reporterStats, agent: this.o.agentStats },
      cookie: { secure: this.o.secureCookies, maxAgeS: Math.ceil(this.o.sessionTtlMs / 1000) },
      callStatus: { rollupIntervalS: Math.round(this.o.rollupIntervalMs / 1000), now: this.o.now },
      alerts: {
        source: this.alerts,
        rules: {
          errorRate: this.o.alertErrorRate,
          minCalls: this.o.alertMinCalls,
          windowS: Math.ceil(this.o.alertWindowMs / 1000),
          intervalS: Math.ceil(this.o.alertIntervalMs / 1000),
        },
      },
    });
    app.addHook('onResponse', async (req, reply) => {
      // A 500 is what a lost MySQL looks like from here; a request whose session or token
      // was looked up in MySQL shows it answering again.
      if (reply.statusCode >= 500) this.counters.mysqlUp = 0;
      else if (req.user !== null) this.counters.mysqlUp = 1;
    });
    await this.sweep();
    await app.listen({ host: this.o.host, port: this.o.port });
    this.app = app;
    this.sweepTimer = setInterval(() => void this.sweep(), this.o.sweepIntervalMs);
    this.sweepTimer.unref();
    this.alerts.start();
    const { host, port } = this.address();
    this.logger.info({ host, port, mysql: describeMysql(this.mysql) }, `console on http://${host}:${port}/`);
  }

  /** Deletes expired sessions; the one MySQL probe behind mysqlUp besides failing requests. */
  private async sweep(): Promise<void> {
    try {
      this.counters.sessions = await this.sessions.sweep();
      this.counters.mysqlUp = 1;
    } catch (err) {
      const e = err as { code?: string; message: string };
      // The console's tables come with migration 0004: a database without them was not migrated.
      this.mysqlProblem =
        e.code === 'ER_NO_SUCH_TABLE' ? `${e.message} (apply the migrations: ./run_lars.sh db migrate)` : e.message;
      if (this.counters.mysqlUp !== 0) this.logger.warn({ err }, `MySQL: ${this.mysqlProblem}`);
      this.counters.mysqlUp = 0;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.sweepTimer !== null) clearInterval(this.sweepTimer);
    await this.alerts.close();
    await this.webhook?.close();
    await this.app?.close();
    await this.agentView.close();
    await this.pool.end();
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
