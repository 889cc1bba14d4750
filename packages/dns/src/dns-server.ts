import { encodeBody, MessageId } from '@lars/proto';
import {
  Backoff,
  DaemonMetrics,
  HeartbeatBoard,
  Heartbeat,
  healthReport,
  TcpServer,
  pickGuardOptions,
  type DaemonHealth,
  type Logger,
  type MetricValues,
  type TcpConnection,
  silentLogger,
} from '@lars/reactor';
import { checkOption, ErrorCode, LarsError, encodeFrame, MessageRouter } from '@lars/wire';
import {
  checkDaemonSchema,
  describeMysql,
  MYSQL_DEFAULTS,
  mysqlErrorFields,
  readPackageVersion,
  type MysqlSettings,
} from '@lars/store';
import { DNS_METRICS } from './dns-metrics.js';
import { DEFAULTS, type DnsServerOptions } from './dns-options.js';
import { Subscriber, Subscriptions } from './dns-subscriptions.js';
import { HeldPulls } from './held-pulls.js';
import { MysqlStateLog } from './mysql-state-log.js';
import { RouteLoaderClient } from './route-loader-client.js';
import type { CheckReply, FullLoad } from './route-loader-protocol.js';
import type { RouteKey } from './route-store.js';
import { RouteTable } from './route-table.js';

export type { DnsServerOptions } from './dns-options.js';

/** The threads /healthz reports: the serving thread and the loader. */
const THREADS = ['main', 'loader'] as const;

/** Per-connection state (the TcpConnection's context slot). */
interface ConnState {
  subscriber: Subscriber<DnsConnection>;
}
type DnsConnection = TcpConnection<ConnState>;

/** This daemon as the schema-version check names it. */
const DAEMON = { name: 'lars-dns', version: readPackageVersion(new URL('../package.json', import.meta.url)) };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** How a round of the backend loop ended: MySQL did not answer, answered at once, or answered after waiting in MySQL for the version to move. */
type Round = 'failed' | 'read' | 'waited';

/**
 * The route DNS (docs/architecture.md "DNS"): listens at once, answers
 * GetRouteRequest from the served table and subscribes the asking
 * connection to the key (dns-subscriptions.ts: renewed by pulls and pushes,
 * expired after subscriptionTtlMs); a backend loop on a loader worker
 * reloads the table when RouteVersion moves (or every reloadIntervalMs) and
 * pushes each changed route to its subscribers. Until the first table loads,
 * requests are held unanswered (held-pulls.ts), never answered empty. MySQL
 * trouble never empties the table: the last good one keeps serving.
 */
export class DnsServer {
  readonly checkIntervalMs: number;
  readonly reloadIntervalMs: number;
  readonly mysql: MysqlSettings;
  /** `/stats` and `/metrics` (DNS_METRICS bound to this server). */
  readonly metrics: DaemonMetrics<typeof DNS_METRICS>;
  /** `/healthz`: main and the loader beat; `/readyz`: a table is loaded. */
  readonly health: DaemonHealth;

  private readonly logger: Logger;
  private readonly tcp: TcpServer<ConnState>;
  private readonly subscriptions: Subscriptions<DnsConnection>;
  private readonly held = new HeldPulls<DnsConnection>();
  private readonly mysqlState: MysqlStateLog;
  private readonly backoff: Backoff;
  private readonly connectTimeoutMs: number;
  private readonly threads: HeartbeatBoard<(typeof THREADS)[number]>;
  private readonly mainBeat: Heartbeat;
  private readonly loader: RouteLoaderClient;
  private table: RouteTable = RouteTable.empty();
  private version: number | null = null;
  private seq = 0;
  private timer: NodeJS.Timeout | null = null;
  private listening: Promise<{ address: string; port: number }> | null = null;
  private closed = false;
  private lastLoadAt = 0;
  /** The last load of the whole table: reloadIntervalMs counts from it (incremental loads in between). */
  private lastFullLoadAt = 0;
  private readonly counters = {
    /** Backend-loop rounds that reached MySQL (tests count rounds instead of timing them). */
    checks: 0,
    requests: 0,
    pushes: 0,
    pushFailures: 0,
    loads: 0,
    /** Loads of only the changed routes' rows (the rest of `loads` read the whole table). */
    incrementalLoads: 0,
    /** RouteChange rows deleted past the retention by this DNS's sweep. */
    changesSwept: 0,
    loadFailures: 0,
    /** Loader: SELECT plus building the table, ms. */
    lastLoadMs: 0,
    lastSelectMs: 0,
    /** Serving thread: from asking the loader to serving the new table, ms. */
    lastSwapMs: 0,
    truncatedRoutes: 0,
    loaderRestarts: 0,
  };

  constructor(options: DnsServerOptions = {}) {
    this.checkIntervalMs = options.checkIntervalMs ?? DEFAULTS.checkIntervalMs;
    this.reloadIntervalMs = options.reloadIntervalMs ?? DEFAULTS.reloadIntervalMs;
    this.connectTimeoutMs = options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs;
    checkOption(this.checkIntervalMs > 0, 'checkIntervalMs', 'must be > 0');
    checkOption(this.reloadIntervalMs > 0, 'reloadIntervalMs', 'must be > 0');
    this.subscriptions = new Subscriptions({ ttlMs: options.subscriptionTtlMs ?? DEFAULTS.subscriptionTtlMs });
    this.mysql = { ...MYSQL_DEFAULTS, ...options.mysql };
    this.logger = (options.logger ?? silentLogger()).child({ component: 'dns' });
    this.mysqlState = new MysqlStateLog(this.logger, describeMysql(this.mysql));
    this.backoff = new Backoff({ ...DEFAULTS.backoff, ...options.backoff });
    // Unset heartbeat values take thread-heartbeat.ts's defaults (1 s beats, dead after 10 s).
    this.threads = new HeartbeatBoard(THREADS, { deadAfterMs: options.heartbeat?.deadAfterMs });
    this.mainBeat = new Heartbeat(this.threads.slot('main'), options.heartbeat?.intervalMs);
    const changeRetentionS = options.changeRetentionS ?? DEFAULTS.changeRetentionS;
    const sweepIntervalMs = options.sweepIntervalMs ?? DEFAULTS.sweepIntervalMs;
    checkOption(changeRetentionS > 0, 'changeRetentionS', 'must be > 0');
    checkOption(sweepIntervalMs > 0, 'sweepIntervalMs', 'must be > 0');
    const versionPollMs = options.versionPollMs ?? DEFAULTS.versionPollMs;
    checkOption(versionPollMs >= 0, 'versionPollMs', 'must be >= 0');
    const loaderData = {
      changeRetentionS,
      sweepIntervalMs,
      versionWait: versionPollMs > 0 ? { waitMs: this.checkIntervalMs, pollMs: versionPollMs } : null,
      mysql: this.mysql,
      connectTimeoutMs: this.connectTimeoutMs,
      heartbeat: this.threads.slot('loader'),
      heartbeatIntervalMs: this.mainBeat.intervalMs,
    };
    this.loader = new RouteLoaderClient(loaderData, this.logger, () => this.counters.loaderRestarts++);
    this.metrics = new DaemonMetrics(DNS_METRICS, {
      daemon: 'dns',
      version: DAEMON.version,
      collect: () => this.stats(),
      health: () => this.health,
      defaultMetrics: options.defaultMetrics,
    });
    this.health = { live: () => healthReport(this.threads.check()), ready: () => this.readiness() };
    const router = new MessageRouter<DnsConnection>({ logger: options.logger });
    router.on(MessageId.GetRouteRequest, this.onGetRoute);
    this.tcp = new TcpServer<ConnState>(router, {
      host: options.host ?? DEFAULTS.host,
      port: options.port ?? DEFAULTS.port,
      maxConn: options.maxConn ?? DEFAULTS.maxConn,
      maxOutputBytes: options.maxOutputBytes ?? DEFAULTS.maxOutputBytes,
      ...pickGuardOptions(options),
      logger: options.logger,
      onConnectionStart: (conn) => {
        conn.context = { subscriber: new Subscriber(conn) };
      },
      onConnectionClose: (conn) => this.forget(conn),
    });
  }

  /**
   * Listens (once; later calls return the same address). Requests that
   * arrive before the first table are held, unanswered, and subscribe.
   */
  listen(): Promise<{ address: string; port: number }> {
    if (this.closed) return Promise.reject(new LarsError(ErrorCode.CLOSED, 'DnsServer closed'));
    this.listening ??= this.tcp.listen().then((bound) => {
      this.subscriptions.start();
      this.logger.info({ ...bound, subscriptionTtlMs: this.subscriptions.ttlMs }, 'DNS listening');
      return bound;
    });
    return this.listening;
  }

  /**
   * Listens at once, then checks the schema and loads the whole table (retrying while MySQL is down or refuses the DNS), and
   * answers the held requests. Resolves with the bound address once a table
   * is served.
   */
  async start(): Promise<{ address: string; port: number }> {
    // Both threads beat from now on, also while MySQL is awaited.
    this.mainBeat.start();
    this.loader.ensureStarted();
    const bound = await this.listen();
    await this.checkSchema();
    this.logger.info({ mysql: describeMysql(this.mysql) }, 'loading routes');
    while (!this.closed && this.version === null) {
      if ((await this.runCheck(true)) === 'failed') await sleep(this.backoff.next());
    }
    if (this.closed) throw new LarsError(ErrorCode.CLOSED, 'DnsServer closed before it started');
    this.logger.info({ ...bound, routes: this.table.routes, version: this.version }, 'DNS serving');
    // At once: the round waits in MySQL for the next change (or, on a server that cannot, reads once).
    this.schedule(0);
    return bound;
  }

  /**
   * Refuses to start (LARS_SCHEMA_TOO_NEW) when the database's migrations
   * need a newer daemon. Waits for MySQL as the first load does.
   */
  private async checkSchema(): Promise<void> {
    while (!this.closed) {
      try {
        await checkDaemonSchema(this.mysql, DAEMON, this.logger, this.connectTimeoutMs);
        this.mysqlState.markUp();
        this.backoff.reset();
        return;
      } catch (err) {
        if (err instanceof LarsError && err.code === ErrorCode.SCHEMA_TOO_NEW) throw err;
        this.counters.loadFailures++;
        this.mysqlState.markDown(mysqlErrorFields(err), false);
        await sleep(this.backoff.next());
      }
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.subscriptions.close();
    this.mainBeat.close();
    await this.tcp.close();
    await this.loader.close();
  }

  /** The table being served (tests and benchmarks read it). */
  get routeTable(): RouteTable {
    return this.table;
  }

  get routeVersion(): number | null {
    return this.version;
  }

  /** The collected values of DNS_METRICS (the `/stats` object without the histograms). */
  stats(): MetricValues<typeof DNS_METRICS> {
    return {
      ...this.tcp.stats(),
      ...this.counters,
      routeVersion: this.version ?? 0,
      tableRoutes: this.table.routes,
      tableHosts: this.table.hosts,
      lastLoadTime: Math.floor(this.lastLoadAt / 1000),
      subscribedKeys: this.subscriptions.keys,
      subscriptions: this.subscriptions.count,
      subscriptionsExpired: this.subscriptions.expired,
      heldRequests: this.held.size,
      mysqlUp: this.mysqlState.up,
    };
  }

  /**
   * Ready once a table is loaded, and from then on: a DNS serving its last
   * good table while MySQL is down still answers correctly, so it stays
   * ready and says `mysqlUp: false`.
   */
  private readiness() {
    const table =
      this.version === null
        ? { ok: false, detail: 'no route table loaded yet' }
        : { ok: true, detail: `version ${this.version}, ${this.table.routes} routes, ${this.table.hosts} hosts` };
    return healthReport({ table }, { mysqlUp: this.mysqlState.up, routeVersion: this.version });
  }

  private readonly onGetRoute = (req: { modid: number; cmdid: number }, _msgid: number, conn: DnsConnection): void => {
    const state = conn.context;
    if (state === undefined) return;
    this.subscriptions.pull(state.subscriber, req.modid, req.cmdid);
    if (this.version === null) this.held.hold(conn, req.modid, req.cmdid);
    else this.answer(conn, req);
  };

  private answer(conn: DnsConnection, { modid, cmdid }: RouteKey): void {
    this.counters.requests++;
    conn.sendRaw(MessageId.GetRouteResponse, this.routeBody(modid, cmdid));
  }

  private routeBody(modid: number, cmdid: number): Uint8Array {
    return this.table.lookup(modid, cmdid) ?? encodeBody(MessageId.GetRouteResponse, { modid, cmdid });
  }

  private forget(conn: DnsConnection): void {
    this.held.drop(conn);
    if (conn.context !== undefined) this.subscriptions.drop(conn.context.subscriber);
  }

  private schedule(delayMs: number): void {
    if (this.closed) return;
    this.timer = setTimeout(this.tick, delayMs);
    this.timer.unref();
  }

  private readonly tick = (): void => {
    this.timer = null;
    const started = performance.now();
    // Checks start every checkIntervalMs, not checkIntervalMs after the last one ended: a change
    // committed during a long round (a full reload of a large table) is read at once after it.
    // A round that waited in MySQL (for up to checkIntervalMs) is followed at once by the next,
    // so MySQL is always watching the version for this DNS: idle, that is still one round per interval.
    void this.runCheck(false).then((round) => {
      if (round === 'failed') this.schedule(this.backoff.next());
      else if (round === 'waited') this.schedule(0);
      else this.schedule(Math.max(0, this.checkIntervalMs - (performance.now() - started)));
    });
  };

  /** One round of the backend loop: 'failed' unless MySQL answered, 'waited' when it answered after waiting for the version to move. */
  private async runCheck(first: boolean): Promise<Round> {
    const since = Date.now() - this.lastFullLoadAt;
    const fullLoad: FullLoad =
      first || since >= 2 * this.reloadIntervalMs ? 'now' : since >= this.reloadIntervalMs ? 'due' : 'no';
    const t0 = performance.now();
    const reply = await this.loader.ask({
      seq: ++this.seq,
      knownVersion: this.version,
      fullLoad,
      table: this.table.buffer,
    });
    if (this.closed) return 'read';
    if (reply.type === 'failed') {
      this.counters.loadFailures++;
      // A loader that exited says nothing about MySQL (its error is logged where it died).
      if (reply.mysql !== null) this.mysqlState.markDown(reply.mysql, this.version !== null);
      return 'failed';
    }
    this.counters.checks++;
    this.counters.changesSwept += reply.swept;
    this.mysqlState.markUp();
    this.backoff.reset();
    if (reply.type === 'loaded') {
      this.adopt(reply);
      this.counters.lastSwapMs = Math.round(performance.now() - t0);
    }
    return reply.waited ? 'waited' : 'read';
  }

  /** Swaps in a freshly loaded table (by reference), answers held requests and pushes the changed routes. */
  private adopt(reply: Extract<CheckReply, { type: 'loaded' }>): void {
    this.table = new RouteTable(reply.buffer);
    const previous = this.version;
    this.version = reply.version;
    this.lastLoadAt = Date.now();
    if (reply.full) this.lastFullLoadAt = this.lastLoadAt;
    this.counters.loads++;
    if (!reply.full) this.counters.incrementalLoads++;
    this.metrics.observe('routeLoadSeconds', reply.loadMs / 1000);
    this.counters.lastLoadMs = Math.round(reply.loadMs);
    this.counters.lastSelectMs = Math.round(reply.selectMs);
    this.counters.truncatedRoutes = reply.truncated.length;
    for (const t of reply.truncated) {
      this.logger.error(t, 'route has more hosts than fit one frame: serving the first ones');
    }
    if (previous !== reply.version) {
      this.logger.info(
        { version: reply.version, routes: reply.routes, hosts: reply.hosts, ms: this.counters.lastLoadMs },
        'routes loaded',
      );
    }
    if (previous === null && this.held.size > 0) {
      this.logger.info({ requests: this.held.size }, 'answering the requests held until the first table');
    }
    // An answer now is a pull now: it renews (or renews after expiry) the subscription.
    this.held.drain((conn, route) => {
      if (conn.context === undefined || conn.closed) return;
      this.subscriptions.pull(conn.context.subscriber, route.modid, route.cmdid);
      this.answer(conn, route);
    });
    for (const key of reply.changes) this.push(key);
  }

  private push({ modid, cmdid }: RouteKey): void {
    if (!this.subscriptions.has(modid, cmdid)) return;
    const t0 = performance.now();
    const frame = encodeFrame(MessageId.GetRouteResponse, this.routeBody(modid, cmdid));
    this.subscriptions.push(modid, cmdid, (conn) => {
      if (conn.sendFrame(frame) === 'sent') {
        this.counters.pushes++;
        return true;
      }
      this.counters.pushFailures++;
      return false;
    });
    this.metrics.observe('pushFanoutSeconds', (performance.now() - t0) / 1000);
  }
}
