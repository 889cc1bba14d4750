import type { Worker } from 'node:worker_threads';
import { encodeBody, MessageId } from '@lars/proto';
import {
  Backoff,
  DaemonMetrics,
  HeartbeatBoard,
  Heartbeat,
  healthReport,
  spawnWorker,
  TcpServer,
  type BackoffOptions,
  type DaemonHealth,
  type Logger,
  type MetricValues,
  type TcpConnection,
  silentLogger,
  siblingModule,
} from '@lars/reactor';
import { checkOption, ErrorCode, LarsError, encodeFrame, MessageRouter } from '@lars/wire';
import { checkDaemonSchema, describeMysql, MYSQL_DEFAULTS, readPackageVersion, type MysqlSettings } from '@lars/store';
import { DNS_METRICS } from './dns-metrics.js';
import type { CheckReply, CheckRequest, LoaderWorkerData } from './route-loader-protocol.js';
import type { RouteKey } from './route-store.js';
import { RouteTable } from './route-table.js';

export interface DnsServerOptions {
  /** `[reactor] ip`: bind address (loopback by default). */
  host?: string;
  /** `[reactor] port`; 0 picks a free port. */
  port?: number;
  /** `[reactor] maxConn`: one more connection is closed at once and counted. */
  maxConn?: number;
  /** Per-connection output bound (bytes); an agent that never reads is cut off past it. */
  maxOutputBytes?: number;
  mysql?: Partial<MysqlSettings>;
  /** `[dns] check_interval`, ms: how often RouteVersion is read. */
  checkIntervalMs?: number;
  /** `[dns] reload_interval`, ms: full reload when the version has not moved for this long. */
  reloadIntervalMs?: number;
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

const DEFAULTS = {
  host: '127.0.0.1',
  port: 7778,
  maxConn: 1024,
  maxOutputBytes: 8 * 1024 * 1024,
  checkIntervalMs: 1000,
  reloadIntervalMs: 10_000,
  connectTimeoutMs: 5000,
  backoff: { initialMs: 200, maxMs: 10_000, factor: 2, jitter: 0.2 },
} as const;

/** The threads /healthz reports: the serving thread and the loader. */
const THREADS = ['main', 'loader'] as const;

/** Per-connection state (the TcpConnection's context slot): the keys it is subscribed to. */
interface Subscriber {
  keys: Set<string>;
}
type DnsConnection = TcpConnection<Subscriber>;

const routeKey = (modid: number, cmdid: number): string => `${modid}:${cmdid}`;

/** This daemon as the schema-version check names it. */
const DAEMON = { name: 'lars-dns', version: readPackageVersion(new URL('../package.json', import.meta.url)) };

/**
 * The route DNS (docs/architecture.md "DNS"): answers GetRouteRequest from the served table
 * and subscribes the asking connection to the key; a backend loop on a
 * loader worker reloads the table when RouteVersion moves (or every
 * reloadIntervalMs) and pushes each changed route to its subscribers.
 * MySQL trouble never empties the table: the last good one keeps serving.
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
  private readonly tcp: TcpServer<Subscriber>;
  private readonly subscriptions = new Map<string, Set<DnsConnection>>();
  private readonly backoff: Backoff;
  private readonly connectTimeoutMs: number;
  private readonly threads: HeartbeatBoard<(typeof THREADS)[number]>;
  private readonly mainBeat: Heartbeat;
  private table: RouteTable = RouteTable.empty();
  private version: number | null = null;
  private loader: Worker | null = null;
  private pending: { seq: number; resolve: (reply: CheckReply) => void } | null = null;
  private seq = 0;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private mysqlUp: boolean | null = null;
  private lastLoadAt = 0;
  private readonly counters = {
    /** Backend-loop rounds that reached MySQL (tests count rounds instead of timing them). */
    checks: 0,
    requests: 0,
    pushes: 0,
    pushFailures: 0,
    loads: 0,
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
    this.mysql = { ...MYSQL_DEFAULTS, ...options.mysql };
    this.logger = (options.logger ?? silentLogger()).child({ component: 'dns' });
    this.backoff = new Backoff({ ...DEFAULTS.backoff, ...options.backoff });
    // Unset heartbeat values take thread-heartbeat.ts's defaults (1 s beats, dead after 10 s).
    this.threads = new HeartbeatBoard(THREADS, { deadAfterMs: options.heartbeat?.deadAfterMs });
    this.mainBeat = new Heartbeat(this.threads.slot('main'), options.heartbeat?.intervalMs);
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
    this.tcp = new TcpServer<Subscriber>(router, {
      host: options.host ?? DEFAULTS.host,
      port: options.port ?? DEFAULTS.port,
      maxConn: options.maxConn ?? DEFAULTS.maxConn,
      maxOutputBytes: options.maxOutputBytes ?? DEFAULTS.maxOutputBytes,
      logger: options.logger,
      onConnectionStart: (conn) => {
        conn.context = { keys: new Set() };
      },
      onConnectionClose: (conn) => this.unsubscribeAll(conn),
    });
  }

  /**
   * Clears RouteChange, loads the table (retrying while MySQL is down), then
   * listens. Resolves with the bound address.
   */
  async start(): Promise<{ address: string; port: number }> {
    // Both threads beat from now on, also while MySQL is awaited.
    this.mainBeat.start();
    if (this.loader === null) this.startLoader();
    await this.checkSchema();
    this.logger.info({ mysql: describeMysql(this.mysql) }, 'loading routes');
    while (!this.closed && this.version === null) {
      const ok = await this.runCheck(true);
      if (!ok) await new Promise((r) => setTimeout(r, this.backoff.next()));
    }
    if (this.closed) throw new LarsError(ErrorCode.CLOSED, 'DnsServer closed before it started');
    const bound = await this.tcp.listen();
    this.logger.info({ ...bound, routes: this.table.routes, version: this.version }, 'DNS serving');
    this.schedule(this.checkIntervalMs);
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
        this.backoff.reset();
        return;
      } catch (err) {
        if (err instanceof LarsError && err.code === ErrorCode.SCHEMA_TOO_NEW) throw err;
        this.logger.warn({ err: (err as Error).message }, 'schema version check failed; retrying');
        await new Promise((r) => setTimeout(r, this.backoff.next()));
      }
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.mainBeat.close();
    await this.tcp.close();
    await this.loader?.terminate();
    this.loader = null;
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
    const tcp = this.tcp.stats();
    let subscriptions = 0;
    for (const set of this.subscriptions.values()) subscriptions += set.size;
    return {
      ...tcp,
      ...this.counters,
      routeVersion: this.version ?? 0,
      tableRoutes: this.table.routes,
      tableHosts: this.table.hosts,
      lastLoadTime: Math.floor(this.lastLoadAt / 1000),
      subscribedKeys: this.subscriptions.size,
      subscriptions,
      mysqlUp: this.mysqlUp === true,
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
    return healthReport({ table }, { mysqlUp: this.mysqlUp === true, routeVersion: this.version });
  }

  private readonly onGetRoute = (req: { modid: number; cmdid: number }, _msgid: number, conn: DnsConnection): void => {
    this.counters.requests++;
    conn.sendRaw(MessageId.GetRouteResponse, this.routeBody(req.modid, req.cmdid));
    const key = routeKey(req.modid, req.cmdid);
    const sub = conn.context;
    if (sub === undefined || sub.keys.has(key)) return;
    sub.keys.add(key);
    let set = this.subscriptions.get(key);
    if (set === undefined) {
      set = new Set();
      this.subscriptions.set(key, set);
    }
    set.add(conn);
  };

  private routeBody(modid: number, cmdid: number): Uint8Array {
    return this.table.lookup(modid, cmdid) ?? encodeBody(MessageId.GetRouteResponse, { modid, cmdid });
  }

  private unsubscribeAll(conn: DnsConnection): void {
    const sub = conn.context;
    if (sub === undefined) return;
    for (const key of sub.keys) {
      const set = this.subscriptions.get(key);
      if (set === undefined) continue;
      set.delete(conn);
      if (set.size === 0) this.subscriptions.delete(key);
    }
    sub.keys.clear();
  }

  private schedule(delayMs: number): void {
    if (this.closed) return;
    this.timer = setTimeout(this.tick, delayMs);
    this.timer.unref();
  }

  private readonly tick = (): void => {
    this.timer = null;
    void this.runCheck(false).then((ok) => this.schedule(ok ? this.checkIntervalMs : this.backoff.next()));
  };

  /** One round of the backend loop; true when MySQL answered. */
  private async runCheck(startup: boolean): Promise<boolean> {
    const force = startup || Date.now() - this.lastLoadAt >= this.reloadIntervalMs;
    const t0 = performance.now();
    const reply = await this.ask({ seq: ++this.seq, knownVersion: this.version, force, startup });
    if (this.closed) return true;
    if (reply.type === 'failed') {
      this.counters.loadFailures++;
      this.setMysqlState(false, reply.error);
      return false;
    }
    this.counters.checks++;
    this.setMysqlState(true);
    this.backoff.reset();
    if (reply.type === 'loaded') {
      this.adopt(reply);
      this.counters.lastSwapMs = Math.round(performance.now() - t0);
    }
    return true;
  }

  /** Swaps in a freshly loaded table (by reference) and pushes the changed routes. */
  private adopt(reply: Extract<CheckReply, { type: 'loaded' }>): void {
    this.table = new RouteTable(reply.buffer);
    const previous = this.version;
    this.version = reply.version;
    this.lastLoadAt = Date.now();
    this.counters.loads++;
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
    for (const key of reply.changes) this.push(key);
  }

  private push({ modid, cmdid }: RouteKey): void {
    const subscribers = this.subscriptions.get(routeKey(modid, cmdid));
    if (subscribers === undefined) return;
    const t0 = performance.now();
    const frame = encodeFrame(MessageId.GetRouteResponse, this.routeBody(modid, cmdid));
    for (const conn of subscribers) {
      if (conn.sendFrame(frame) === 'sent') this.counters.pushes++;
      else this.counters.pushFailures++;
    }
    this.metrics.observe('pushFanoutSeconds', (performance.now() - t0) / 1000);
  }

  private setMysqlState(up: boolean, error?: string): void {
    if (this.mysqlUp === up) return;
    const wasKnown = this.mysqlUp !== null;
    this.mysqlUp = up;
    if (up && wasKnown) this.logger.info({ mysql: describeMysql(this.mysql) }, 'MySQL is back');
    else if (!up)
      this.logger.error(
        { mysql: describeMysql(this.mysql), err: error },
        'MySQL unreachable: serving the last table, retrying',
      );
  }

  /** Sends one request to the loader (started on demand, restarted if it died) and waits for its reply. */
  private ask(req: CheckRequest): Promise<CheckReply> {
    const loader = this.loader ?? this.startLoader();
    return new Promise((resolve) => {
      this.pending = { seq: req.seq, resolve };
      loader.postMessage(req);
    });
  }

  private startLoader(): Worker {
    const data: LoaderWorkerData = {
      mysql: this.mysql,
      connectTimeoutMs: this.connectTimeoutMs,
      heartbeat: this.threads.slot('loader'),
      heartbeatIntervalMs: this.mainBeat.intervalMs,
    };
    // The loader logs through workerLogger(): component route-loader-worker, lines written by this thread.
    const worker = spawnWorker(siblingModule('route-loader-worker', import.meta.url), {
      workerData: data,
      logger: this.logger,
    });
    worker.on('message', (reply: CheckReply) => {
      const pending = this.pending;
      if (pending === null || pending.seq !== reply.seq) return;
      this.pending = null;
      pending.resolve(reply);
    });
    worker.on('error', (err) => this.logger.error({ err }, 'route loader failed'));
    worker.on('exit', () => {
      if (this.loader !== worker) return;
      this.loader = null;
      if (!this.closed) this.counters.loaderRestarts++;
      // A round waiting on this loader settles (as failed) even when close() ended it.
      const pending = this.pending;
      this.pending = null;
      pending?.resolve({ type: 'failed', seq: pending.seq, error: 'route loader exited' });
    });
    this.loader = worker;
    return worker;
  }
}
