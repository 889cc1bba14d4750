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
  pickGuardOptions,
  type BackoffOptions,
  type DaemonHealth,
  type Logger,
  type MetricValues,
  type TcpConnection,
  type TcpGuardOptions,
  silentLogger,
  siblingModule,
} from '@lars/reactor';
import { checkOption, ErrorCode, LarsError, LogThrottle, MessageRouter } from '@lars/wire';
import { checkDaemonSchema, describeMysql, MYSQL_DEFAULTS, readPackageVersion, type MysqlSettings } from '@lars/store';
import { BATCH_ROWS_BOUNDS, BATCH_WRITE_SECONDS_BOUNDS, REPORTER_METRICS } from './reporter-metrics.js';
import { RowRejectReason } from './row-check.js';
import { rollupWriterData, type RollupOptions } from './rollup-options.js';
import { StatusRecordWriter } from './status-record.js';
import { writerReadiness, writersFailing, writersMysqlDown } from './writer-health.js';
import { WRITER_COUNTERS, WriterControl, type WriterData } from './writer-protocol.js';

/** The TcpGuardOptions fields (frameTimeoutMs, maxConnPerIp, connIdleTimeoutMs, allow) go to the TcpServer as they are. */
export interface ReporterServerOptions extends TcpGuardOptions, RollupOptions {
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
  /** `[reporter] batch_size`: queued requests gathered into one batch at most (written in statements under maxStatementBytes). */
  batchRecords?: number;
  /**
   * `[reporter] close_timeout` (seconds there): close() reads what peers
   * already sent, then lets the writers write it, for at most this long
   * (0 .. MAX_CLOSE_TIMEOUT_MS); what is still unwritten then is counted
   * (rowsUnwritten) and logged.
   */
  closeTimeoutMs?: number;
  /**
   * Byte budget of one upsert statement; by default (and at most) the
   * server's max_allowed_packet read at connect, less 1 KiB. Batches are cut
   * into statements under it.
   */
  maxStatementBytes?: number;
  /** SESSION innodb_lock_wait_timeout (seconds, 1 .. 3600) of the writers' connections; unset keeps the server's. */
  lockWaitTimeoutS?: number;
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

/** The largest closeTimeoutMs (`[reporter] close_timeout` at most 120 s): main.ts's shutdown timeout is set past it. */
export const MAX_CLOSE_TIMEOUT_MS = 120_000;

/**
 * How long past the close deadline a writer may take to notice it and exit
 * (it gives up at once; this only bounds a thread blocked in synchronous
 * code) before the pool terminates it.
 */
export const CLOSE_GRACE_MS = 2_000;

/** The /stats counter of each reason a row is rejected at decode. */
const REJECT_COUNTERS = {
  [RowRejectReason.PORT_OUT_OF_RANGE]: 'rowsRejectedPort',
} as const satisfies Record<RowRejectReason, string>;

/** Smallest statement budget: a few rows (a row is at most ~110 bytes of SQL). */
export const MIN_STATEMENT_BYTES = 1024;

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
  private readonly records = new StatusRecordWriter((result, reason, req) => this.rejectRow(req, result, reason));
  /** The connection whose request onReport is encoding (named in a rejected row's log line). */
  private reportingConn: TcpConnection | null = null;
  private readonly counters = { requests: 0, rowsReceived: 0, tooLarge: 0, refusedByQueue: 0, rowsRejectedPort: 0 };
  /** The close deadline's signal to the writers (WriterControl). */
  private readonly control = new Int32Array(new SharedArrayBuffer(4));
  private readonly closeTimeoutMs: number;
  /** Rejected rows are a peer's doing: at most one line per reason per warnIntervalMs. */
  private readonly rejectThrottle: LogThrottle;
  private closing: Promise<void> | null = null;

  constructor(options: ReporterServerOptions = {}) {
    this.writers = options.writers ?? DEFAULTS.writers;
    const batchRecords = options.batchRecords ?? DEFAULTS.batchRecords;
    checkOption(Number.isInteger(this.writers) && this.writers >= 1 && this.writers <= 64, 'writers', 'must be 1..64');
    checkOption(Number.isInteger(batchRecords) && batchRecords >= 1, 'batchRecords', 'must be a positive integer');
    this.closeTimeoutMs = options.closeTimeoutMs ?? DEFAULTS.closeTimeoutMs;
    const maxStatementBytes = options.maxStatementBytes ?? 0;
    const lockWaitTimeoutS = options.lockWaitTimeoutS ?? null;
    checkOption(
      Number.isInteger(this.closeTimeoutMs) && this.closeTimeoutMs >= 0 && this.closeTimeoutMs <= MAX_CLOSE_TIMEOUT_MS,
      'closeTimeoutMs',
      `must be an integer 0..${MAX_CLOSE_TIMEOUT_MS}`,
    );
    checkOption(
      options.maxStatementBytes === undefined ||
        (Number.isInteger(maxStatementBytes) && maxStatementBytes >= MIN_STATEMENT_BYTES),
      'maxStatementBytes',
      `must be an integer >= ${MIN_STATEMENT_BYTES}`,
    );
    checkOption(
      lockWaitTimeoutS === null ||
        (Number.isInteger(lockWaitTimeoutS) && lockWaitTimeoutS >= 1 && lockWaitTimeoutS <= 3600),
      'lockWaitTimeoutS',
      'must be an integer 1..3600',
    );
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
    this.health = {
      live: () => healthReport(this.threads.check()),
      ready: () => writerReadiness(this.writerCounters, this.pool.stats().alive),
    };
    const data: WriterData = {
      mysql: this.mysql,
      counters: this.writerCounters.buffer,
      batchRecords,
      maxStatementBytes,
      lockWaitTimeoutS,
      connectTimeoutMs: this.connectTimeoutMs,
      backoff: { ...DEFAULTS.backoff, ...options.backoff },
      warnIntervalMs: options.warnIntervalMs ?? DEFAULTS.warnIntervalMs,
      heartbeats: writerNames.map((name) => this.threads.slot(name)),
      heartbeatIntervalMs: this.mainBeat.intervalMs,
      batchSeconds: this.batchSeconds.buffer,
      batchRows: this.batchRows.buffer,
      control: this.control.buffer as SharedArrayBuffer,
      ...rollupWriterData(options),
    };
    this.rejectThrottle = new LogThrottle(data.warnIntervalMs);
    this.pool = new ThreadPool(siblingModule('writer-worker', import.meta.url), {
      threads: this.writers,
      queueBytes: options.queueBytes ?? DEFAULTS.queueBytes,
      fullPolicy: FullPolicy.DROP_OLDEST,
      // A backstop only: the writers give up by themselves at the close deadline.
      closeTimeoutMs: this.closeTimeoutMs + CLOSE_GRACE_MS,
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
      ...pickGuardOptions(options),
      logger: options.logger,
    });
  }

  async start(): Promise<{ address: string; port: number }> {
    this.mainBeat.start();
    await this.checkSchema();
    // Each writer's first connect attempt (bounded by connectTimeoutMs): mysqlUp is known, and a
    // wrong password or an unreachable server logged, before the reporter says it serves.
    await this.pool.ready();
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

  /**
   * Stops accepting, reads what every open connection has already buffered
   * (so a report a peer sent before the close is not lost), closes them, and
   * lets the writers write everything queued. At closeTimeoutMs from the
   * call the writers give up: the rows they still hold or have queued are
   * counted (rowsUnwritten) and logged. Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.mainBeat.close();
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<'deadline'>((resolve) => {
        timer = setTimeout(() => resolve('deadline'), this.closeTimeoutMs);
        timer.unref();
      });
      const drained = await Promise.race([this.tcp.drain().then(() => 'drained' as const), deadline]);
      if (drained === 'deadline')
        this.logger.warn(
          { closeTimeoutMs: this.closeTimeoutMs },
          'connections not drained by the close deadline; closing them',
        );
      await this.tcp.close();
      void deadline.then(() => {
        Atomics.store(this.control, 0, WriterControl.ABANDON);
        Atomics.notify(this.control, 0);
      });
      await this.pool.close();
      clearTimeout(timer);
      const totals = this.totals();
      if (totals.rowsUnwritten > 0)
        this.logger.error(
          { rowsUnwritten: totals.rowsUnwritten, closeTimeoutMs: this.closeTimeoutMs },
          'rows not written by the close deadline; dropped',
        );
      this.logger.info(totals, 'reporter stopped');
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
      rowsRejected: this.counters.rowsRejectedPort + counters.total('rowsRefused'),
      rowsRefusedByMysql: counters.total('rowsRefused'),
      statementSplits: counters.total('statementSplits'),
      rollupRowsWritten: counters.total('rollupRowsWritten'),
      rollupRowsLost: counters.total('rollupRowsLost'),
      rollupPending: counters.total('rollupPending'),
      rollupDuplicates: counters.total('rollupDuplicates'),
      rollupOlder: counters.total('rollupOlder'),
      rollupResets: counters.total('rollupResets'),
      rollupRowsPruned: counters.total('rollupRowsPruned'),
      statusRowsPruned: counters.total('statusRowsPruned'),
      prunePasses: counters.total('prunePasses'),
      pruneFailures: counters.total('pruneFailures'),
      mysqlUp: writersMysqlDown(counters).length === 0,
      writersFailing: writersFailing(counters).length,
      maxAllowedPacket: counters.perRow('maxAllowedPacket'),
      statementBudget: counters.perRow('statementBudget'),
      batchWriteSeconds: this.batchSeconds.total(),
      batchRows: this.batchRows.total(),
    };
  }

  private totals(): {
    rowsWritten: number;
    rowsUnwritten: number;
    batches: number;
    batchFailures: number;
    drops: number;
  } {
    const pool = this.pool.stats();
    const counters = this.writerCounters;
    return {
      rowsWritten: counters.total('rowsWritten'),
      rowsUnwritten: counters.total('rowsUnwritten'),
      batches: counters.total('batches'),
      batchFailures: counters.total('batchFailures'),
      drops: pool.inputs.reduce((n, q) => n + q.dropped, 0),
    };
  }

  private readonly onReport = (req: ReportStatus, _msgid: number, conn: TcpConnection): void => {
    this.counters.requests++;
    this.counters.rowsReceived += req.results.length;
    try {
      this.reportingConn = conn;
      const record = this.records.encode(req);
      this.reportingConn = null;
      if (record === null) return;
      if (!this.pool.sendByKey(routeKey(req.modid, req.cmdid), record)) this.counters.refusedByQueue++;
    } catch (err) {
      // A request bigger than half a writer's queue cannot be queued at all.
      if (!(err instanceof LarsError)) throw err;
      this.counters.tooLarge++;
    }
  };

  /** Counts a row left out at decode, and logs it (throttled per reason). */
  private rejectRow(req: ReportStatus, result: ReportStatus['results'][number], reason: RowRejectReason): void {
    this.counters[REJECT_COUNTERS[reason]]++;
    const suppressed = this.rejectThrottle.take(reason);
    if (suppressed < 0) return;
    this.logger.warn(
      {
        reason,
        peer: this.reportingConn?.peer,
        modid: req.modid,
        cmdid: req.cmdid,
        ip: (result.ip ?? 0) >>> 0,
        port: result.port,
        suppressed,
      },
      `row rejected (${reason}): ServerCallStatus cannot store it; dropped`,
    );
  }
}
