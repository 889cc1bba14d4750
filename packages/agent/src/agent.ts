import { networkInterfaces } from 'node:os';
import { AGENT_PORTS, agentPortIndex, decodeBody, ipToInt, MessageId } from '@lars/proto';
import {
  FullPolicy,
  HashRing,
  routeKey,
  SharedCounters,
  TcpClient,
  ThreadPool,
  WhileDisconnected,
  type BackoffOptions,
  type Logger,
  type StatsSnapshot,
  type TcpAddress,
  type TcpConnection,
  silentLogger,
  siblingModule,
} from '@lars/reactor';
import { checkOption, MessageRouter } from '@lars/wire';
import {
  DNS_CONNECTED_RECORD,
  recordKey,
  routeRecord,
  ToMain,
  WORKER_COUNTERS,
  type AgentWorkerData,
  type WorkerCounter,
} from './agent-protocol.js';
import { LOAD_BALANCE_DEFAULTS, type LoadBalanceConfig } from './load-balance-config.js';

export interface AgentOptions {
  /** UDP bind address; loopback by default (the agent serves its own machine). */
  host?: string;
  /** The three UDP ports are basePort, basePort + 1, basePort + 2. */
  basePort?: number;
  /** DNS addresses, tried in turn (failover). */
  dns?: readonly TcpAddress[];
  /** Reporter addresses; each route reports to one of them, by consistent hash. */
  reporters?: readonly TcpAddress[];
  loadBalance?: Partial<LoadBalanceConfig>;
  /** This machine's IPv4 (ReportStatusRequest.caller); the first non-internal address by default. */
  caller?: string;
  /** Report snapshots kept per reporter while it is down (bytes); past it the oldest are dropped and counted. */
  reportQueueBytes?: number;
  /** Reconnect pacing of the DNS and reporter clients (exponential, jittered, capped). */
  backoff?: BackoffOptions;
  /** Each thread-pool queue (main <-> worker), bytes, a power of two. */
  queueBytes?: number;
  /** How often workers publish their counters for stats(), ms. */
  statsIntervalMs?: number;
  logger?: Logger;
}

const DEFAULTS = {
  host: '127.0.0.1',
  basePort: 8888,
  dns: [{ host: '127.0.0.1', port: 7778 }],
  reporters: [{ host: '127.0.0.1', port: 7779 }],
  reportQueueBytes: 4 * 1024 * 1024,
  backoff: { initialMs: 100, maxMs: 10_000, factor: 2, jitter: 0.3 },
  queueBytes: 4 * 1024 * 1024,
  statsIntervalMs: 250,
} as const;

/** This machine's first non-internal IPv4, or 127.0.0.1. */
export function localIpv4(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

/**
 * The LB agent (docs/architecture.md, docs/load-balancing.md): three UDP workers answer the
 * SDK from their own LoadBalance state; the main thread holds the TCP
 * clients to the DNS (failover over its addresses) and to the reporters
 * (routes spread by consistent hash), and moves pulls, routes and report
 * snapshots between them and the workers. A peer being down never stops
 * the agent: it answers from the routes it has and keeps snapshots, bounded.
 */
export class Agent {
  readonly basePort: number;
  readonly caller: string;
  private readonly logger: Logger;
  private readonly pool: ThreadPool;
  private readonly dns: TcpClient;
  private readonly reporters: TcpClient[];
  private readonly reporterRing: HashRing<number>;
  private readonly workerCounters: SharedCounters<WorkerCounter>;
  private readonly counters = {
    pullsSent: 0,
    pullsRefused: 0,
    routesIn: 0,
    routesRefused: 0,
    badRoutes: 0,
    reportsSent: 0,
    reportsRefused: 0,
  };
  private closing: Promise<void> | null = null;

  constructor(options: AgentOptions = {}) {
    this.basePort = options.basePort ?? DEFAULTS.basePort;
    checkOption(
      Number.isInteger(this.basePort) && this.basePort >= 0 && this.basePort <= 65533,
      'basePort',
      'must be 0..65533',
    );
    const dnsAddresses = options.dns ?? DEFAULTS.dns;
    const reporterAddresses = options.reporters ?? DEFAULTS.reporters;
    checkOption(dnsAddresses.length > 0, 'dns', 'needs at least one address');
    checkOption(reporterAddresses.length > 0, 'reporters', 'needs at least one address');
    this.caller = options.caller ?? localIpv4();
    const callerInt = ipToInt(this.caller);
    this.logger = (options.logger ?? silentLogger()).child({ component: 'agent' });
    const backoff = { ...DEFAULTS.backoff, ...options.backoff };

    this.workerCounters = SharedCounters.create(AGENT_PORTS, WORKER_COUNTERS);
    const workerData: AgentWorkerData = {
      host: options.host ?? DEFAULTS.host,
      basePort: this.basePort,
      loadBalance: { ...LOAD_BALANCE_DEFAULTS, ...options.loadBalance },
      caller: callerInt,
      counters: this.workerCounters.buffer,
      statsIntervalMs: options.statsIntervalMs ?? DEFAULTS.statsIntervalMs,
    };
    this.pool = new ThreadPool(siblingModule('agent-worker', import.meta.url), {
      threads: AGENT_PORTS,
      queueBytes: options.queueBytes ?? DEFAULTS.queueBytes,
      fullPolicy: FullPolicy.REJECT,
      workerData,
      onMessage: this.onWorkerRecord,
      logger: options.logger,
    });

    const dnsRouter = new MessageRouter<TcpConnection>({ logger: options.logger });
    dnsRouter.onRaw(MessageId.GetRouteResponse, this.onRoute);
    this.dns = new TcpClient(dnsRouter, {
      addresses: dnsAddresses,
      backoff,
      // A pull that cannot be sent is not lost: every key is pulled again when the DNS connects.
      whileDisconnected: WhileDisconnected.REJECT,
      onConnect: (conn) => {
        this.logger.info({ dns: conn.peer }, 'connected to the DNS');
        this.pool.broadcast(DNS_CONNECTED_RECORD);
      },
      onClose: (conn) => this.logger.warn({ dns: conn.peer }, 'DNS connection lost; answering from the routes held'),
      logger: options.logger,
    });
    this.reporters = reporterAddresses.map(
      (address) =>
        new TcpClient(new MessageRouter<TcpConnection>({ logger: options.logger }), {
          ...address,
          backoff,
          whileDisconnected: WhileDisconnected.DROP_OLDEST,
          maxQueuedBytes: options.reportQueueBytes ?? DEFAULTS.reportQueueBytes,
          maxOutputBytes: Math.max(8 * 1024 * 1024, options.reportQueueBytes ?? DEFAULTS.reportQueueBytes),
          onConnect: (conn) => this.logger.info({ reporter: conn.peer }, 'connected to the reporter'),
          onClose: (conn) => this.logger.warn({ reporter: conn.peer }, 'reporter connection lost; keeping snapshots'),
          logger: options.logger,
        }),
    );
    this.reporterRing = new HashRing(
      reporterAddresses.map((_, i) => i),
      { nodeKey: (i, replica) => `${reporterAddresses[i].host}:${reporterAddresses[i].port}#${replica}` },
    );
  }

  /** Waits until the three UDP ports are bound, then connects to the DNS and the reporters. */
  async start(): Promise<{ ports: number[] }> {
    try {
      await this.pool.ready();
    } catch (err) {
      // A worker could not bind its port: stop the others so nothing is left running.
      await this.pool.close();
      throw err;
    }
    this.dns.connect();
    for (const r of this.reporters) r.connect();
    const ports = Array.from({ length: AGENT_PORTS }, (_, i) => this.basePort + i);
    this.logger.info({ ports, caller: this.caller }, 'agent serving');
    return { ports };
  }

  /** Stops the workers (they send their last snapshots), delivers those, then closes the TCP clients. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.pool.close();
      await this.dns.close();
      await Promise.all(this.reporters.map((r) => r.close()));
    })();
    return this.closing;
  }

  stats(): StatsSnapshot {
    const w = this.workerCounters;
    const pool = this.pool.stats();
    const total = (n: WorkerCounter) => w.total(n);
    const dns = this.dns.stats();
    const reporters = this.reporters.map((r) => r.stats());
    return {
      getHostRequests: total('getHost'),
      reportRequests: total('report'),
      getRouteRequests: total('getRoute'),
      wrongPort: total('wrongPort'),
      picksSucc: total('picksSucc'),
      picksOverload: total('picksOverload'),
      picksNoexist: total('picksNoexist'),
      toOverload: total('toOverload'),
      toIdle: total('toIdle'),
      reportsUnknownRoute: total('reportsUnknownRoute'),
      reportsUnknownHost: total('reportsUnknownHost'),
      routes: total('routes'),
      snapshots: total('snapshots'),
      pulls: total('pulls'),
      datagramsIn: total('datagramsIn'),
      badDatagrams: total('badFrames') + total('lengthMismatch'),
      badFrames: total('badFrames'),
      lengthMismatch: total('lengthMismatch'),
      unknownMsgid: total('unknownMsgid'),
      badBody: total('badBody'),
      tooLarge: total('tooLarge'),
      truncatedRoutes: total('truncatedRoutes'),
      workerOutputRefused: total('outputRefused'),
      ...this.counters,
      requestsPerWorker: w.perRow('datagramsIn'),
      toWorkerQueueDepth: Object.fromEntries(pool.inputs.map((q, i) => [String(i), q.records])),
      toMainQueueDepth: Object.fromEntries(pool.outputs.map((q, i) => [String(i), q.records])),
      dnsConnected: dns.connected,
      dnsConnects: dns.connects,
      reportersConnected: reporters.filter((r) => r.connected).length,
      reportQueueFrames: reporters.reduce((n, r) => n + r.queuedFrames, 0),
      reportsDropped: reporters.reduce((n, r) => n + r.droppedOldest, 0),
      workersAlive: pool.alive,
    };
  }

  private readonly onWorkerRecord = (_worker: number, record: Uint8Array): void => {
    const { modid, cmdid } = recordKey(record);
    if (record[0] === ToMain.PULL) {
      const outcome = this.dns.send(MessageId.GetRouteRequest, { modid, cmdid });
      if (outcome === 'sent') this.counters.pullsSent++;
      else this.counters.pullsRefused++;
    } else if (record[0] === ToMain.REPORT) {
      const reporter = this.reporters[this.reporterRing.get(routeKey(modid, cmdid)) ?? 0];
      const outcome = reporter.sendRaw(MessageId.ReportStatusRequest, record.subarray(9));
      if (outcome === 'sent' || outcome === 'queued') this.counters.reportsSent++;
      else this.counters.reportsRefused++;
    }
  };

  private readonly onRoute = (body: Buffer): void => {
    let key: { modid: number; cmdid: number };
    try {
      key = decodeBody(MessageId.GetRouteResponse, body);
    } catch {
      this.counters.badRoutes++;
      return;
    }
    this.counters.routesIn++;
    if (!this.pool.sendTo(agentPortIndex(key.modid, key.cmdid), routeRecord(body))) this.counters.routesRefused++;
  };
}
