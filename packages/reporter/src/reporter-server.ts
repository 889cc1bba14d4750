import { MessageId, type DecodedMessageMap } from '@lars/proto';
import {
  DaemonMetrics,
  FullPolicy,
  Heartbeat,
  HeartbeatBoard,
  healthReport,
  routeKey,
  SharedCounters,
  SharedHistogram,
  TcpServer,
  ThreadPool,
  type BackoffOptions,
  type DaemonHealth,
  type HealthReport,
  type Logger,
  type MetricValues,
  type TcpConnection,
  silentLogger,
  siblingModule,
} from '@lars/reactor';
import { checkOption, ErrorCode, LarsError, MessageRouter } from '@lars/wire';
import { checkDaemonSchema, describeMysql, MYSQL_DEFAULTS, readPackageVersion, type MysqlSettings } from '@lars/store';
import { BATCH_ROWS_BOUNDS, BATCH_WRITE_SECONDS_BOUNDS, REPORTER_METRICS } from './reporter-metrics.js';
import { StatusRecordWriter } from './status-record.js';
import { WRITER_COUNTERS, type WriterData } from './writer-protocol.js';

export interface ReporterServerOptions {
  /** `[reactor] ip`: bind address (loopback by default). */
  host?: string;
  /** `[reactor] port`; 0 picks a free port. */
  port?: number;
  /** `[reactor] maxConn`. */
  maxConn?: number;
  mysql?: Partial<MysqlSettings>;
  /** `[reporter] db_thread_cnt`: writer threads, each with its own MySQL connection. */
  writers?: number;
  /** `[reporter] queue_bytes`: each writer's queue, a power of two; past it the oldest requests are dropped. */
  queueBytes?: number;
  /** `[reporter] batch_size`: queued requests gathered into one INSERT at most. */
  batchRecords?: number;
  /** How long close() lets writers finish their queues before stopping them. */
  closeTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** Writers' retry pacing while MySQL is down. */
  backoff?: BackoffOptions;
  /** A writer logs at most one line per MySQL error code (or failing handler) per this many ms. */
  warnIntervalMs?: number;
  /** Thread liveness (`/healthz`): how often main and the writers beat, and how long a silent one counts as alive. */
  heartbeat?: { intervalMs?: number; deadAfterMs?: number };
  /** prom-client's process and Node.js metrics on `/metrics` (tests that build many servers turn them off). */
  defaultMetrics?: boolean;
  /** The reporter's lines, and its writers' (through this logger's destination). */
  logger?: Logger;
}

const DEFAULTS = {
  host: '127.0.0.1',
  port: 7779,
  maxConn: 1024,
  writers: 3,
  queueBytes: 8 * 1024 * 1024,
  batchRecords: 256,
  closeTimeoutMs: 10_000,
  connectTimeoutMs: 5000,
  backoff: { initialMs: 100, maxMs: 5000, factor: 2, jitter: 0.2 },
  warnIntervalMs: 10_000,
} as const;

type ReportStatus = DecodedMessageMap[3];

/** This daemon as the schema-version check names it. */
const DAEMON = { name: 'lars-reporter', version: readPackageVersion(new URL('../package.json', import.meta.url)) };

/**
 * The reporter (docs/architecture.md "Reporter"): ReportStatusRequests from agents become
 * ServerCallStatus upserts. The network thread validates each request and
 * hands it to the writer that owns its (modid, cmdid) on a consistent-hash
 * ring, through that writer's bounded SharedArrayBuffer queue; it never waits
 * for MySQL. Writers batch, retry through MySQL outages, and drain their
 * queues on close.
 */
export class ReporterServer {
  readonly writers: number;
  readonly mysql: MysqlSettings;
  /** `/stats` and `/metrics` (REPORTER_METRICS bound to this server). */
  readonly metrics: DaemonMetrics<typeof REPORTER_METRICS>;
  /** `/healthz`: main and every writer beat; `/readyz`: every writer alive and MySQL up. */
  readonly health: DaemonHealth;
  private readonly logger: Logger;
  private readonly connectTimeoutMs: number;
  private readonly tcp: TcpServer;
  private readonly pool: ThreadPool;
  private readonly writerCounters: SharedCounters<(typeof WRITER_COUNTERS)[number]>;
  private readonly batchSeconds: SharedHistogram;
  private readonly batchRows: SharedHistogram;
  /** Slots `main`, `writer0`, `writer1`, ...: /healthz names the threads so. */
  private readonly threads: HeartbeatBoard<string>;
  private readonly mainBeat: Heartbeat;
  private readonly records = new StatusRecordWriter();
  private readonly counters = { requests: 0, rowsReceived: 0, tooLarge: 0, refusedByQueue: 0 };
  private closing: Promise<void> | null = null;

  constructor(options: ReporterServerOptions = {}) {
    this.writers = options.writers ?? DEFAULTS.writers;
    const batchRecords = options.batchRecords ?? DEFAULTS.batchRecords;
    checkOption(Number.isInteger(this.writers) && this.writers >= 1 && this.writers <= 64, 'writers', 'must be 1..64');
    checkOption(Number.isInteger(batchRecords) && batchRecords >= 1, 'batchRecords', 'must be a positive integer');
    this.mysql = { ...MYSQL_DEFAULTS, ...options.mysql };
    this.connectTimeoutMs = options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs;
    this.logger = (options.logger ?? silentLogger()).child({ component: 'reporter' });
    this.writerCounters = SharedCounters.create(this.writers, WRITER_COUNTERS);
    for (let i = 0; i < this.writers; i++) this.writerCounters.set(i, 'mysqlUp', -1);
    this.batchSeconds = SharedHistogram.create(this.writers, BATCH_WRITE_SECONDS_BOUNDS);
    this.batchRows = SharedHistogram.create(this.writers, BATCH_ROWS_BOUNDS);
    const writerNames = Array.from({ length: this.writers }, (_, i) => `writer${i}`);
    // Unset heartbeat values take thread-heartbeat.ts's defaults (1 s beats, dead after 10 s).
    this.threads = new HeartbeatBoard(['main', ...writerNames], { deadAfterMs: options.heartbeat?.deadAfterMs });
    this.mainBeat = new Heartbeat(this.threads.slot('main'), options.heartbeat?.intervalMs);
    this.metrics = new DaemonMetrics(REPORTER_METRICS, {
      daemon: 'reporter',
      version: DAEMON.version,
      collect: () => this.stats(),
      health: () => this.health,
      defaultMetrics: options.defaultMetrics,
    });
    this.health = { live: () => healthReport(this.threads.check()), ready: () => this.readiness() };
    const data: WriterData = {
      mysql: this.mysql,
      counters: this.writerCounters.buffer,
      batchRecords,
      connectTimeoutMs: this.connectTimeoutMs,
      backoff: { ...DEFAULTS.backoff, ...options.backoff },
      warnIntervalMs: options.warnIntervalMs ?? DEFAULTS.warnIntervalMs,
      heartbeats: writerNames.map((name) => this.threads.slot(name)),
      heartbeatIntervalMs: this.mainBeat.intervalMs,
      batchSeconds: this.batchSeconds.buffer,
      batchRows: this.batchRows.buffer,
    };
    this.pool = new ThreadPool(siblingModule('writer-worker', import.meta.url), {
      threads: this.writers,
      queueBytes: options.queueBytes ?? DEFAULTS.queueBytes,
      fullPolicy: FullPolicy.DROP_OLDEST,
      closeTimeoutMs: options.closeTimeoutMs ?? DEFAULTS.closeTimeoutMs,
      workerData: data,
      logger: options.logger,
      warnIntervalMs: data.warnIntervalMs,
    });
    const router = new MessageRouter<TcpConnection>({ logger: options.logger });
    router.on(MessageId.ReportStatusRequest, this.onReport);
    this.tcp = new TcpServer(router, {
      host: options.host ?? DEFAULTS.host,
      port: options.port ?? DEFAULTS.port,
      maxConn: options.maxConn ?? DEFAULTS.maxConn,
      logger: options.logger,
    });
  }

  async start(): Promise<{ address: string; port: number }> {
    this.mainBeat.start();
    await this.checkSchema();
    const bound = await this.tcp.listen();
    this.logger.info({ ...bound, writers: this.writers, mysql: describeMysql(this.mysql) }, 'reporter serving');
    return bound;
  }

  /**
   * Refuses to start (LARS_SCHEMA_TOO_NEW) when the database's migrations
   * need a newer reporter. The reporter starts with MySQL down (its writers
   * queue and retry), so a check that fails otherwise is logged and skipped.
   */
  private async checkSchema(): Promise<void> {
    try {
      await checkDaemonSchema(this.mysql, DAEMON, this.logger, this.connectTimeoutMs);
    } catch (err) {
      if (err instanceof LarsError && err.code === ErrorCode.SCHEMA_TOO_NEW) {
        await this.close();
        throw err;
      }
      this.logger.warn({ err: (err as Error).message }, 'schema version not checked; starting anyway');
    }
  }

  /** Stops accepting, lets the writers write what is queued, then stops them. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.mainBeat.close();
      await this.tcp.close();
      await this.pool.close();
      this.logger.info(this.totals(), 'reporter stopped');
    })();
    return this.closing;
  }

  /** The writer that owns a route: the same key always goes to the same writer. */
  writerFor(modid: number, cmdid: number): number {
    return this.pool.workerForKey(routeKey(modid, cmdid));
  }

  /** The collected values of REPORTER_METRICS (the `/stats` object). */
  stats(): MetricValues<typeof REPORTER_METRICS> {
    const pool = this.pool.stats();
    const perWriter = (f: (i: number) => number) =>
      Object.fromEntries(Array.from({ length: this.writers }, (_, i) => [String(i), f(i)]));
    const counters = this.writerCounters;
    return {
      ...this.tcp.stats(),
      ...this.counters,
      ...this.totals(),
      writers: this.writers,
      writersAlive: pool.alive,
      writerRows: counters.perRow('rowsWritten'),
      writerDrops: perWriter((i) => pool.inputs[i].dropped),
      queueDepth: perWriter((i) => pool.inputs[i].records),
      queueBytes: perWriter((i) => pool.inputs[i].depthBytes),
      mysqlUp: this.writersMysqlDown().length === 0,
      batchWriteSeconds: this.batchSeconds.total(),
      batchRows: this.batchRows.total(),
    };
  }

  /**
   * Writers whose last batch failed. mysqlUp is how the writers see MySQL:
   * down while one of them retries a batch; up before any batch was tried.
   */
  private writersMysqlDown(): number[] {
    const up = this.writerCounters;
    return Array.from({ length: this.writers }, (_, i) => i).filter((i) => up.get(i, 'mysqlUp') === 0);
  }

  /**
   * Ready while it can take reports and write them: every writer thread runs
   * (a dead one's routes are refused) and no writer's last batch failed
   * (reports then only queue, up to the bound, and the oldest get dropped).
   */
  private readiness(): HealthReport {
    const alive = this.pool.stats().alive;
    const down = this.writersMysqlDown();
    return healthReport({
      writers: { ok: alive === this.writers, detail: `${alive} of ${this.writers} writer threads running` },
      mysql:
        down.length === 0
          ? { ok: true, detail: 'no writer has a failed batch' }
          : { ok: false, detail: `the last batch of writer ${down.join(', ')} failed; retrying with backoff` },
    });
  }

  private totals(): { rowsWritten: number; batches: number; batchFailures: number; drops: number } {
    const pool = this.pool.stats();
    const counters = this.writerCounters;
    return {
      rowsWritten: counters.total('rowsWritten'),
      batches: counters.total('batches'),
      batchFailures: counters.total('batchFailures'),
      drops: pool.inputs.reduce((n, q) => n + q.dropped, 0),
    };
  }

  private readonly onReport = (req: ReportStatus): void => {
    this.counters.requests++;
    this.counters.rowsReceived += req.results.length;
    try {
      if (!this.pool.sendByKey(routeKey(req.modid, req.cmdid), this.records.encode(req)))
        this.counters.refusedByQueue++;
    } catch (err) {
      // A request bigger than half a writer's queue cannot be queued at all.
      if (!(err instanceof LarsError)) throw err;
      this.counters.tooLarge++;
    }
  };
}
