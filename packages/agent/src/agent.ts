import { networkInterfaces } from 'node:os';
import { AGENT_PORTS, agentPortIndex, decodeBody, ipToInt, MessageId } from '@lars/proto';
import {
  DaemonMetrics,
  FullPolicy,
  Heartbeat,
  HeartbeatBoard,
  healthReport,
  readDaemonPackageInfo,
  SharedCounters,
  SharedHistogram,
  type TcpClient,
  ThreadPool,
  type ThreadPoolStats,
  type BackoffOptions,
  type DaemonHealth,
  type HealthReport,
  type Logger,
  type MetricValues,
  type SharedHistogramSnapshot,
  type TcpAddress,
  type TcpConnection,
  silentLogger,
  siblingModule,
} from '@lars/reactor';
import { BatchUdpSocket } from '@lars/udp-native';
import { checkOption, LogThrottle, MessageRouter, UdpTransportKind } from '@lars/wire';
import type { ResourceLimits } from 'node:worker_threads';

/** At most one warning line per reason in this many ms. */
const WARN_INTERVAL_MS = 10_000;
import { checkLatencySampleEvery } from './agent-core.js';
import {
  WORKER_COUNTER_NAMES,
  workerCounterRow,
  workerCounterRows,
  workerCounterTotals,
  type WorkerCounter,
  type WorkerStatsKey,
} from './agent-counters.js';
import { AGENT_METRICS } from './agent-metrics.js';
import { MainThreadPorts } from './agent-ports.js';
import { ReportLinks } from './report-links.js';
import {
  DNS_CONNECTED_RECORD,
  recordKey,
  routeRecord,
  STOP_HEARTBEAT_RECORD,
  ToMain,
  type AgentPortsData,
} from './agent-protocol.js';
import { checkPullOptions, DnsLink } from './dns-link.js';
import { LOAD_BALANCE_DEFAULTS, type LoadBalanceConfig } from './load-balance-config.js';
import { DEFAULT_DNS_ADDRESS, DEFAULT_REPORTER_ADDRESS, peerName } from './peer-defaults.js';
import { DEFAULT_MAX_ROUTES, SharedRouteBudget } from './route-budget.js';

/** `[agent] transport`: `auto` is native when the addon loads here, else dgram. */
export const AgentTransport = { AUTO: 'auto', ...UdpTransportKind } as const;
export type AgentTransport = (typeof AgentTransport)[keyof typeof AgentTransport];

export interface AgentOptions {
  /**
   * How the UDP workers move datagrams ([agent] transport): `native`
   * (@lars/udp-native, recvmmsg/sendmmsg in batches; an error at start when
   * its addon does not load), `dgram` (node:dgram), or `auto` (the default:
   * native when the addon loads, else dgram, logged at start).
   */
  transport?: AgentTransport;
  /**
   * UDP worker threads, 0..3 ([agent] threads): thread t serves the ports
   * p (offsets 0..2) with p % threads === t; 0 serves all three on the main
   * thread. Each port keeps its own keys whatever the count.
   */
  threads?: number;
  /** V8 heap limits of each worker thread; WORKER_RESOURCE_LIMITS by default. */
  workerResourceLimits?: ResourceLimits;
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
  /**
   * A snapshot written to a reporter connection leaves the queue only once
   * its bytes are in the kernel and the connection then stayed up this long
   * (ms; 2000 by default, [reporter] resend_grace_ms); if it closes first, the
   * snapshot is sent again, in order, on the next connection (report-queue.ts).
   */
  reportGraceMs?: number;
  /**
   * A reporter connection whose output has not shrunk for this long (ms;
   * 10000 by default, 0 = never, [reporter] stall_timeout_ms) is declared
   * dead: destroyed, reconnected, its unconfirmed snapshots resent.
   */
  reporterStallTimeoutMs?: number;
  /**
   * A pull the DNS has not answered within this long (ms) marks the DNS link
   * dead: the agent drops it, connects to the next `dns` address and
   * re-subscribes every route ([dnsserver] pull_timeout_ms).
   */
  pullTimeoutMs?: number;
  /**
   * Routes held over all three workers ([loadbalance] max_routes); past it a
   * get_host for an unknown key answers NOEXIST and keeps no state (counted).
   */
  maxRoutes?: number;
  /** GetRouteRequests sent to the DNS per second at most, new keys and re-pulls alike ([loadbalance] pull_rate). */
  pullRatePerSecond?: number;
  /** Reconnect pacing of the DNS and reporter clients (exponential, jittered, capped). */
  backoff?: BackoffOptions;
  /** Each thread-pool queue (main <-> worker), bytes, a power of two. */
  queueBytes?: number;
  /** How often workers publish their counters for stats(), ms. */
  statsIntervalMs?: number;
  /** Time one get_host in this many for getHostLatency() (1 = every one; 16 by default, see AgentCore). */
  getHostLatencySampleEvery?: number;
  /** Thread liveness (`/healthz`): how often main and the workers beat, and how long a silent one counts as alive. */
  heartbeat?: { intervalMs?: number; deadAfterMs?: number };
  /** prom-client's process and Node.js metrics on `/metrics` (tests that build many agents turn them off). */
  defaultMetrics?: boolean;
  logger?: Logger;
}

const DEFAULTS = {
  host: '127.0.0.1',
  basePort: 8888,
  dns: [DEFAULT_DNS_ADDRESS],
  reporters: [DEFAULT_REPORTER_ADDRESS],
  maxRoutes: DEFAULT_MAX_ROUTES,
  backoff: { initialMs: 100, maxMs: 10_000, factor: 2, jitter: 0.3 },
  queueBytes: 4 * 1024 * 1024,
  statsIntervalMs: 250,
  transport: AgentTransport.AUTO,
  threads: 0,
} as const;

/**
 * A worker's young generation (semi-spaces) is capped low: its garbage is
 * short-lived (a decoded request, a reply), so a small nursery is collected
 * as often but cheaply, and does not grow to V8's default of tens of MiB
 * per thread of RSS.
 */
export const WORKER_RESOURCE_LIMITS: ResourceLimits = { maxYoungGenerationSizeMb: 4 };

const VERSION = readDaemonPackageInfo(new URL('../package.json', import.meta.url)).version;

/**
 * Where the UDP ports run, as the agent drives them: its worker threads (a
 * ThreadPool of agent-worker.ts) or the main thread (MainThreadPorts).
 */
type UdpPorts = Pick<ThreadPool, 'ready' | 'sendTo' | 'broadcast' | 'close'> & {
  stats(): Pick<ThreadPoolStats, 'alive' | 'inputs' | 'outputs'>;
};

/** The threads /healthz reports: main, then one per UDP worker thread. */
function threadNames(workers: number): string[] {
  return ['main', ...Array.from({ length: workers }, (_, i) => `worker${i}`)];
}

/**
 * The transport `requested` resolves to here: `auto` falls back to dgram
 * (saying why in `fallback`) when the addon does not load; `native` then
 * throws its NATIVE_UNAVAILABLE error.
 */
export function resolveTransport(
  requested: AgentTransport,
  loadError: Error | undefined = BatchUdpSocket.loadError(),
): { kind: UdpTransportKind; fallback?: string } {
  if (requested === AgentTransport.DGRAM) return { kind: UdpTransportKind.DGRAM };
  if (loadError === undefined) return { kind: UdpTransportKind.NATIVE };
  if (requested === AgentTransport.NATIVE) throw loadError;
  return { kind: UdpTransportKind.DGRAM, fallback: loadError.message };
}

/** Agent.stats(): the `/stats` values with each worker counter summed over the workers. */
export type AgentStats = Omit<MetricValues<typeof AGENT_METRICS>, WorkerStatsKey> & Record<WorkerStatsKey, number>;

/**
 * Test hook (reached through ./internal): a method under this symbol makes
 * one worker stop its heartbeat, so `/healthz` turns 503 for it.
 */
export const STOP_WORKER_HEARTBEAT: unique symbol = Symbol('stopWorkerHeartbeat');

/** This machine's first non-internal IPv4, or 127.0.0.1. */
export function localIpv4(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

/**
 * The LB agent (docs/architecture.md, docs/load-balancing.md): three UDP
 * ports, each with its own AgentCore, answer the SDK from their own
 * LoadBalance state, on worker threads or (threads = 0) on the main thread;
 * the main thread holds the TCP clients to the DNS (failover over its
 * addresses) and to the reporters (routes spread by consistent hash), and
 * moves pulls, routes and report snapshots between them and the ports. A
 * peer being down never stops the agent: it answers from the routes it has
 * and keeps snapshots, bounded.
 */
export class Agent {
  readonly basePort: number;
  readonly caller: string;
  /** The transport the workers use (never `auto`). */
  readonly transport: UdpTransportKind;
  /** UDP worker threads (0: the ports are served on the main thread). */
  readonly threadCount: number;
  /** The threads the ports are spread over (port p on p % portThreads): the workers, or the main thread alone. */
  private readonly portThreads: number;
  /** `/stats` and `/metrics` (AGENT_METRICS bound to this agent). */
  readonly metrics: DaemonMetrics<typeof AGENT_METRICS>;
  /** `/healthz`: main and every worker beat; `/readyz`: every worker runs and a DNS link is up. */
  readonly health: DaemonHealth;
  private readonly logger: Logger;
  /** Throttles warnings a peer can trigger (an undecodable route response). */
  private readonly warnings: LogThrottle;
  private readonly pool: UdpPorts;
  /** The DNS TcpClient, pull pacing and pull deadline; `dns` is its client. */
  private readonly dnsLink: DnsLink;
  private readonly dns: TcpClient;
  /** Routes held over every worker (maxRoutes), shared with them. */
  private readonly routeBudget: SharedRouteBudget;
  private readonly reporters: ReportLinks;
  private readonly workerCounters: SharedCounters<WorkerCounter>;
  private readonly latency: SharedHistogram;
  private readonly threads: HeartbeatBoard<string>;
  private readonly transportFallback: string | undefined;
  private readonly mainBeat: Heartbeat;
  private readonly dnsAddresses: readonly TcpAddress[];
  /** Connections made per configured DNS address (the TcpClient counts them over all of them). */
  private readonly dnsConnectsByPeer: Map<string, number>;
  private readonly counters = {
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
    if (options.getHostLatencySampleEvery !== undefined) {
      checkLatencySampleEvery(options.getHostLatencySampleEvery, 'getHostLatencySampleEvery');
    }
    this.threadCount = options.threads ?? DEFAULTS.threads;
    checkOption(
      Number.isInteger(this.threadCount) && this.threadCount >= 0 && this.threadCount <= AGENT_PORTS,
      'threads',
      `must be 0..${AGENT_PORTS}`,
    );
    this.portThreads = Math.max(1, this.threadCount);
    const requested = options.transport ?? DEFAULTS.transport;
    checkOption(Object.values(AgentTransport).includes(requested), 'transport', 'must be auto, native or dgram');
    const transport = resolveTransport(requested);
    this.transport = transport.kind;
    this.transportFallback = transport.fallback;
    this.caller = options.caller ?? localIpv4();
    const callerInt = ipToInt(this.caller);
    this.logger = (options.logger ?? silentLogger()).child({ component: 'agent' });
    const loadBalance: LoadBalanceConfig = { ...LOAD_BALANCE_DEFAULTS, ...options.loadBalance };
    // Before any thread starts.
    checkPullOptions(options, loadBalance.updateTimeoutMs, this.logger);
    this.warnings = new LogThrottle(WARN_INTERVAL_MS);
    const backoff = { ...DEFAULTS.backoff, ...options.backoff };

    this.dnsAddresses = dnsAddresses;
    this.dnsConnectsByPeer = new Map(dnsAddresses.map((a) => [peerName(a), 0]));
    this.workerCounters = SharedCounters.create(AGENT_PORTS, WORKER_COUNTER_NAMES);
    this.latency = SharedHistogram.create(AGENT_PORTS);
    // Unset heartbeat values take thread-heartbeat.ts's defaults (1 s beats, dead after 10 s).
    this.threads = new HeartbeatBoard(threadNames(this.threadCount), { deadAfterMs: options.heartbeat?.deadAfterMs });
    this.mainBeat = new Heartbeat(this.threads.slot('main'), options.heartbeat?.intervalMs);
    this.metrics = new DaemonMetrics(AGENT_METRICS, {
      daemon: 'agent',
      version: VERSION,
      collect: () => this.metricValues(),
      health: () => this.health,
      defaultMetrics: options.defaultMetrics,
      // A busy agent scavenges its 2 MiB young generation ~35 times a
      // second: a GC observer's entries would fill its old generation.
      gcMetrics: false,
    });
    this.health = { live: () => healthReport(this.threads.check()), ready: () => this.readiness() };
    const maxRoutes = options.maxRoutes ?? DEFAULTS.maxRoutes;
    this.routeBudget = SharedRouteBudget.create(maxRoutes);
    const portsData: AgentPortsData = {
      host: options.host ?? DEFAULTS.host,
      basePort: this.basePort,
      transport: this.transport,
      loadBalance,
      caller: callerInt,
      counters: this.workerCounters.buffer,
      getHostLatency: this.latency.buffer,
      routeBudget: this.routeBudget.buffer,
      maxRoutes,
      latencySampleEvery: options.getHostLatencySampleEvery,
      statsIntervalMs: options.statsIntervalMs ?? DEFAULTS.statsIntervalMs,
    };
    this.pool =
      this.threadCount === 0
        ? new MainThreadPorts(portsData, (record) => this.onWorkerRecord(0, record))
        : new ThreadPool(siblingModule('agent-worker', import.meta.url), {
            threads: this.threadCount,
            queueBytes: options.queueBytes ?? DEFAULTS.queueBytes,
            resourceLimits: options.workerResourceLimits ?? WORKER_RESOURCE_LIMITS,
            fullPolicy: FullPolicy.REJECT,
            workerData: {
              ...portsData,
              threads: this.threadCount,
              heartbeats: Array.from({ length: this.threadCount }, (_, i) => this.threads.slot(`worker${i}`)),
              heartbeatIntervalMs: this.mainBeat.intervalMs,
            },
            onMessage: this.onWorkerRecord,
            logger: options.logger,
          });

    const dnsRouter = new MessageRouter<TcpConnection>({ logger: options.logger });
    dnsRouter.onRaw(MessageId.GetRouteResponse, this.onRoute);
    this.dnsLink = new DnsLink(dnsRouter, {
      addresses: dnsAddresses,
      backoff,
      pullTimeoutMs: options.pullTimeoutMs,
      pullRatePerSecond: options.pullRatePerSecond,
      onConnect: (conn) => {
        const peer = peerName(this.dns.address);
        this.dnsConnectsByPeer.set(peer, (this.dnsConnectsByPeer.get(peer) ?? 0) + 1);
        this.logger.info({ dns: conn.peer }, 'connected to the DNS');
        this.pool.broadcast(DNS_CONNECTED_RECORD);
      },
      onClose: (conn) => this.logger.warn({ dns: conn.peer }, 'DNS connection lost; answering from the routes held'),
      logger: options.logger,
    });
    this.dns = this.dnsLink.client;
    // At-least-once, ordered, bounded (report-link.ts); REPORT_LINK_DEFAULTS hold the defaults.
    this.reporters = new ReportLinks(reporterAddresses, {
      reportQueueBytes: options.reportQueueBytes,
      reportGraceMs: options.reportGraceMs,
      reporterStallTimeoutMs: options.reporterStallTimeoutMs,
      backoff,
      logger: options.logger,
    });
  }

  /** Waits until the three UDP ports are bound, then connects to the DNS and the reporters. */
  async start(): Promise<{ ports: number[] }> {
    this.mainBeat.start();
    try {
      await this.pool.ready();
    } catch (err) {
      // A worker could not bind its port: stop the others so nothing is left running.
      this.mainBeat.close();
      await this.pool.close();
      throw err;
    }
    this.dnsLink.connect();
    this.reporters.connect();
    const ports = Array.from({ length: AGENT_PORTS }, (_, i) => this.basePort + i);
    const serving = { ports, caller: this.caller, transport: this.transport, threads: this.threadCount };
    if (this.transportFallback !== undefined) {
      this.logger.warn({ reason: this.transportFallback }, 'native UDP transport unavailable; using dgram');
    }
    this.logger.info(serving, 'agent serving');
    return { ports };
  }

  /** Stops the workers (they send their last snapshots), delivers those, then closes the TCP clients. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.mainBeat.close();
      await this.pool.close();
      await this.dnsLink.close();
      await this.reporters.close();
    })();
    return this.closing;
  }

  /**
   * The `/stats` values (AGENT_METRICS) with every worker counter summed
   * over the workers: what tests and callers in the same process compare.
   * `/stats` itself has them per worker.
   */
  stats(): AgentStats {
    return { ...this.metricValues(), ...workerCounterTotals(this.workerCounters) };
  }

  /** The collected values of AGENT_METRICS: worker counters per worker, then the main thread's own. */
  private metricValues(): MetricValues<typeof AGENT_METRICS> {
    const w = this.workerCounters;
    const pool = this.pool.stats();
    const dns = this.dns.stats();
    const dnsPeer = dns.connected ? peerName(this.dns.address) : null;
    return {
      ...workerCounterRows(w),
      badDatagrams: w.total('badFrames') + w.total('lengthMismatch'),
      ...this.counters,
      ...this.dnsLink.stats(),
      requestsPerWorker: w.perRow('datagramsIn'),
      toWorkerQueueDepth: Object.fromEntries(pool.inputs.map((q, i) => [String(i), q.records])),
      toMainQueueDepth: Object.fromEntries(pool.outputs.map((q, i) => [String(i), q.records])),
      dnsConnected: dns.connected,
      dnsConnects: dns.connects,
      ...this.reporters.values(),
      workersAlive: pool.alive,
      workerThreads: this.threadCount,
      transport: { [this.transport]: 1 },
      dnsLinkUp: Object.fromEntries(this.dnsAddresses.map((a) => [peerName(a), peerName(a) === dnsPeer ? 1 : 0])),
      dnsLinkConnects: Object.fromEntries(this.dnsConnectsByPeer),
      getHostSeconds: Object.fromEntries(
        Array.from({ length: AGENT_PORTS }, (_, i) => [String(i), this.latency.rowSnapshot(i)]),
      ),
    };
  }

  /**
   * Ready while every worker runs (each owns a third of the keys: one gone
   * leaves its keys unanswered) and a DNS link is up (without one no new
   * route is learned and no change arrives). The reporters inform only: the
   * agent keeps their snapshots, bounded, while they are down.
   */
  private readiness(): HealthReport {
    const alive = this.pool.stats().alive;
    const dns = this.dns.stats();
    const configured = this.dnsAddresses.map(peerName).join(', ');
    const workers =
      this.threadCount === 0
        ? { ok: true, detail: 'the UDP ports are served on the main thread' }
        : { ok: alive === this.threadCount, detail: `${alive} of ${this.threadCount} workers running` };
    return healthReport(
      {
        workers,
        dns: dns.connected
          ? { ok: true, detail: `DNS link up to ${peerName(this.dns.address)}` }
          : { ok: false, detail: `no DNS link up (configured: ${configured})` },
      },
      { reporters: this.reporters.connectedByPeer() },
    );
  }

  /** Test hook (./internal stopWorkerHeartbeat): worker thread `index` stops beating; false if it has exited. */
  [STOP_WORKER_HEARTBEAT](index: number): boolean {
    return index < this.threadCount && this.pool.sendTo(index, STOP_HEARTBEAT_RECORD);
  }

  /** Each port's counters (index = port offset), as last published (every statsIntervalMs). */
  workerStats(): Array<Record<WorkerCounter, number>> {
    return Array.from({ length: AGENT_PORTS }, (_, i) => workerCounterRow(this.workerCounters, i));
  }

  /**
   * get_host service time (request decoded -> reply handed to the socket) of
   * one get_host in getHostLatencySampleEvery, summed over the workers and
   * per worker (`rows`, index = worker); live, not delayed by statsIntervalMs.
   */
  getHostLatency(): SharedHistogramSnapshot {
    return this.latency.snapshot();
  }

  private readonly onWorkerRecord = (_worker: number, record: Uint8Array): void => {
    const { modid, cmdid } = recordKey(record);
    if (record[0] === ToMain.PULL) {
      this.dnsLink.pull(modid, cmdid);
    } else if (record[0] === ToMain.REPORT) {
      // Queued on the route's link, written as its connection drains, kept until confirmed (report-link.ts).
      if (this.reporters.send(modid, cmdid, record.subarray(9))) this.counters.reportsSent++;
      else this.counters.reportsRefused++;
    }
  };

  private readonly onRoute = (body: Buffer): void => {
    let key: { modid: number; cmdid: number };
    try {
      key = decodeBody(MessageId.GetRouteResponse, body);
    } catch (err) {
      this.counters.badRoutes++;
      // A peer can send these at any rate: one line per interval, with the count of those left out.
      const suppressed = this.warnings.take('bad-route');
      if (suppressed >= 0) this.logger.warn({ err, suppressed }, 'undecodable route response from the DNS dropped');
      return;
    }
    this.counters.routesIn++;
    this.dnsLink.answered(key.modid, key.cmdid);
    const port = agentPortIndex(key.modid, key.cmdid);
    if (!this.pool.sendTo(port % this.portThreads, routeRecord(port, body))) this.counters.routesRefused++;
  };
}
