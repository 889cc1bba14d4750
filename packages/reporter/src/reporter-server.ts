import { MessageId, type DecodedMessageMap } from '@lars/proto';
import {
  FullPolicy,
  routeKey,
  SharedCounters,
  TcpServer,
  ThreadPool,
  type BackoffOptions,
  type Logger,
  type StatsSnapshot,
  type TcpConnection,
  silentLogger,
  siblingModule,
} from '@lars/reactor';
import { checkOption, ErrorCode, LarsError, MessageRouter } from '@lars/wire';
import { checkDaemonSchema, describeMysql, MYSQL_DEFAULTS, readPackageVersion, type MysqlSettings } from '@lars/store';
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
  private readonly logger: Logger;
  private readonly connectTimeoutMs: number;
  private readonly tcp: TcpServer;
  private readonly pool: ThreadPool;
  private readonly writerCounters: SharedCounters<(typeof WRITER_COUNTERS)[number]>;
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
    const data: WriterData = {
      mysql: this.mysql,
      counters: this.writerCounters.buffer,
      batchRecords,
      connectTimeoutMs: this.connectTimeoutMs,
      backoff: { ...DEFAULTS.backoff, ...options.backoff },
    };
    this.pool = new ThreadPool(siblingModule('writer-worker', import.meta.url), {
      threads: this.writers,
      queueBytes: options.queueBytes ?? DEFAULTS.queueBytes,
      fullPolicy: FullPolicy.DROP_OLDEST,
      closeTimeoutMs: options.closeTimeoutMs ?? DEFAULTS.closeTimeoutMs,
      workerData: data,
      logger: options.logger,
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

  stats(): StatsSnapshot {
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
      mysqlUp: Object.values(counters.perRow('mysqlUp')).every((up) => up !== 0),
    };
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
