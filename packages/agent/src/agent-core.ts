import {
  agentPortIndex,
  decodeBody,
  encodeBody,
  GetHostResponseWriter,
  encodeRouteFitting,
  MessageId,
  RetCode,
  type GetHostResponse,
  type HostInfo,
} from '@lars/proto';
import type { SharedCounters, SharedHistogram } from '@lars/reactor';
import { checkOption, MAX_UDP_BODY_BYTES, type MessageRouter, type SendOutcome, type UdpStats } from '@lars/wire';
import { publishWorkerCounters, type AgentCoreCounters, type WorkerCounter } from './agent-counters.js';
import { keyedRecord, ROUTE_BODY_OFFSET, ToMain, ToWorker } from './agent-protocol.js';
import type { LoadBalanceConfig } from './load-balance-config.js';
import { RouteBook } from './route-book.js';
import type { RouteBudget } from './route-budget.js';
import type { GetHostTableSlots } from './route-table-link.js';

/** Where the core sends a reply: the sender of the request (a UdpReplyTarget in the worker). */
export interface AgentReplyTarget {
  sendRaw(msgid: number, body: Uint8Array): SendOutcome;
}

/** A GetHostRequest as the core reads it (the decoded message, or a plain object in tests). */
export interface GetHostQuery {
  seq: number;
  modid: number;
  cmdid: number;
}

/** A ReportRequest as the core reads it. */
export interface ReportQuery {
  modid: number;
  cmdid: number;
  host?: { ip?: number | null; port?: number | null } | null;
  retcode: number;
  timecost: number;
}

/** An API_GetRouteRequest as the core reads it. */
export interface RouteQuery {
  modid: number;
  cmdid: number;
}

export interface AgentCoreOptions {
  /** The worker's index: it serves base_port + index and owns the keys agentPortIndex maps to it. */
  index: number;
  loadBalance: LoadBalanceConfig;
  /** This machine's IPv4 as an unsigned number: ReportStatusRequest.caller. */
  caller: number;
  /** Hands a record (agent-protocol.ts ToMain) to the main thread; false when its queue refused it. */
  toMain: (record: Uint8Array) => boolean;
  /** Where get_host service times go, in row `index`; nothing is timed when absent. */
  latency?: SharedHistogram;
  /**
   * Time one get_host in this many (1 = every one). Reading the clock twice
   * costs more than the rest of the bookkeeping (about 2 x 70 ns on the
   * project's machine, against some 500 ns for the whole get_host), so by
   * default a steady 1-in-16 sample is timed: quantiles are those of every
   * request, while the histogram's count is the number of timed ones.
   */
  latencySampleEvery?: number;
  /** The wall clock of the load-balancing state, ms (a fake one in tests). */
  now?: () => number;
  /** Slots for new routes, shared by the agent's workers (maxRoutes); unlimited when absent. */
  routeBudget?: RouteBudget;
  /**
   * The get_host table of this port's native socket (threaded mode): routes
   * its serving thread answers without this core (route-table-link.ts).
   */
  getHostTable?: GetHostTableSlots;
}

/**
 * One get_host in this many is timed. Two clock reads cost about 150 ns here,
 * a third of a get_host; 1 in 64 keeps the recording near 1 % of the core's
 * time (bench:agent-core), and at thousands of requests a second still gives
 * the histogram hundreds of samples a second.
 */
export const DEFAULT_LATENCY_SAMPLE_EVERY = 64;

const DEFAULTS = {
  now: Date.now,
  latencySampleEvery: DEFAULT_LATENCY_SAMPLE_EVERY,
} as const;

const NS_PER_MS = 1e6;

/** Throws LARS_BAD_OPTION naming `option` unless `every` is a valid latencySampleEvery. */
export function checkLatencySampleEvery(every: number, option: string): void {
  checkOption(Number.isInteger(every) && every >= 1, option, 'must be an integer >= 1');
}

/**
 * One agent UDP port's request handling, with no socket and no thread:
 * key ownership (`agentPortIndex(modid, cmdid) === index`), get_host, report,
 * API_GetRoute, the route replies and pushes the main thread forwards, and
 * their counters. AgentPorts (agent-ports.ts) wires a UdpServer's router
 * (register) and the pool queues (`toMain`, onMainRecord) to it; tests call
 * the handlers directly, or dispatch raw bodies through a registered router.
 *
 * get_host service time (request decoded and handed to the core -> reply
 * handed to the socket, for one get_host in latencySampleEvery) is recorded
 * into `latency` with performance.now(), a monotonic clock that returns a
 * plain double (process.hrtime.bigint() would allocate a BigInt per call).
 * A get_host that is not timed costs one decrement and one branch. The
 * get_hosts a get_host table's serving thread answers (getHostTable) never
 * reach the core, so they are counted (absorbed at publish) but not timed.
 */
export class AgentCore {
  readonly index: number;
  readonly book: RouteBook;
  readonly counters: AgentCoreCounters = { wrongPort: 0, truncatedRoutes: 0, outputRefused: 0 };
  private readonly toMain: (record: Uint8Array) => boolean;
  private readonly latency: SharedHistogram | undefined;
  private readonly latencySampleEvery: number;
  /** get_hosts left until the next timed one (1 = the next). */
  private untilTimed = 1;
  private readonly now: () => number;
  // One response object and one host object, reused: a reply is encoded before the handler returns.
  private readonly hostOut: HostInfo = { ip: 0, port: 0 };
  private readonly response: GetHostResponse = { seq: 0, modid: 0, cmdid: 0, retcode: 0, host: null };
  private readonly responseWriter = new GetHostResponseWriter();

  constructor(options: AgentCoreOptions) {
    checkOption(Number.isInteger(options.index) && options.index >= 0, 'index', 'must be an integer >= 0');
    if (options.latency !== undefined) {
      checkOption(options.index < options.latency.rows, 'latency', `has no row ${options.index}`);
    }
    this.index = options.index;
    this.toMain = options.toMain;
    this.latency = options.latency;
    this.latencySampleEvery = options.latencySampleEvery ?? DEFAULTS.latencySampleEvery;
    checkLatencySampleEvery(this.latencySampleEvery, 'latencySampleEvery');
    this.now = options.now ?? DEFAULTS.now;
    this.book = new RouteBook(
      options.loadBalance,
      {
        pull: (modid, cmdid) => this.send(keyedRecord(ToMain.PULL, modid, cmdid)),
        report: (req) =>
          this.send(
            keyedRecord(ToMain.REPORT, req.modid ?? 0, req.cmdid ?? 0, encodeBody(MessageId.ReportStatusRequest, req)),
          ),
      },
      options.caller,
      options.routeBudget,
      options.getHostTable,
    );
  }

  /** Registers the handlers of GetHostRequest, ReportRequest and API_GetRouteRequest on `router`; returns it. */
  register<C extends AgentReplyTarget>(router: MessageRouter<C>): MessageRouter<C> {
    return router
      .on(MessageId.GetHostRequest, (req, _id, conn) => this.getHost(req, conn))
      .on(MessageId.ReportRequest, (req) => this.report(req))
      .on(MessageId.ApiGetRouteRequest, (req, _id, conn) => this.getRoute(req, conn));
  }

  /** Whether this worker owns the key (else the SDK sent it to the wrong port). */
  owns(modid: number, cmdid: number): boolean {
    return agentPortIndex(modid, cmdid) === this.index;
  }

  /** get_host: SUCC/OVERLOAD/NOEXIST from the route's LoadBalance, SYSTEM_ERROR for a key of another port. */
  getHost(req: GetHostQuery, conn: AgentReplyTarget): void {
    // -1: not timed; performance.now() is never negative.
    let start = -1;
    if (this.latency !== undefined && --this.untilTimed === 0) {
      this.untilTimed = this.latencySampleEvery;
      start = performance.now();
    }
    const response = this.response;
    response.seq = req.seq;
    response.modid = req.modid;
    response.cmdid = req.cmdid;
    response.host = null;
    if (!this.owns(req.modid, req.cmdid)) {
      this.counters.wrongPort++;
      response.retcode = RetCode.SYSTEM_ERROR;
    } else {
      const picked = this.book.getHost(req.modid, req.cmdid, this.now());
      response.retcode = picked.ret;
      if (picked.host !== null) {
        this.hostOut.ip = picked.host.ip;
        this.hostOut.port = picked.host.port;
        response.host = this.hostOut;
      }
    }
    // The body is the writer's reused buffer: sendRaw copies it before it returns (UdpTransport.sendFrame).
    conn.sendRaw(MessageId.GetHostResponse, this.responseWriter.encode(response));
    if (start >= 0) this.latency?.record(this.index, (performance.now() - start) * NS_PER_MS);
  }

  /** A call result from the SDK; dropped (counted) for a key of another port. */
  report(req: ReportQuery): void {
    if (!this.owns(req.modid, req.cmdid)) {
      this.counters.wrongPort++;
      return;
    }
    this.book.report(
      req.modid,
      req.cmdid,
      req.host?.ip ?? 0,
      req.host?.port ?? 0,
      req.retcode,
      req.timecost,
      this.now(),
    );
  }

  /** API_GetRoute: every host of the route (as many as one datagram holds), none for a key of another port. */
  getRoute(req: RouteQuery, conn: AgentReplyTarget): void {
    let hosts: readonly HostInfo[] = [];
    // A LoadBalanceHost is a HostInfo as it stands: the encoder reads only ip and port.
    if (this.owns(req.modid, req.cmdid)) hosts = this.book.getRoute(req.modid, req.cmdid, this.now());
    else this.counters.wrongPort++;
    // More hosts than one datagram holds: send the ones that fit (protocol.md), and count it.
    const fitted = encodeRouteFitting(MessageId.ApiGetRouteResponse, req.modid, req.cmdid, hosts, MAX_UDP_BODY_BYTES);
    if (fitted.served < hosts.length) this.counters.truncatedRoutes++;
    conn.sendRaw(MessageId.ApiGetRouteResponse, fitted.body);
  }

  /** A record from the main thread (agent-protocol.ts ToWorker): a route reply or push, or the DNS connected. */
  onMainRecord(record: Uint8Array): void {
    if (record[0] === ToWorker.ROUTE) {
      const res = decodeBody(MessageId.GetRouteResponse, record.subarray(ROUTE_BODY_OFFSET));
      this.book.onRouteResponse(res.modid, res.cmdid, res.host as Array<{ ip: number; port: number }>, this.now());
    } else if (record[0] === ToWorker.DNS_CONNECTED) {
      this.book.onDnsConnected(this.now());
    }
  }

  /** Reports dirty routes and forgets unused ones: call every reportIntervalMs, and once at shutdown. */
  tick(): void {
    this.book.tick(this.now());
  }

  /** Copies every worker counter (the book's, `udp`'s and the core's) into row `index` of `target`. */
  publish(target: SharedCounters<WorkerCounter>, udp: Readonly<UdpStats>): void {
    this.book.absorbAnswered();
    // The table's answers were datagrams in and frames in and out that UdpServer never saw.
    const answered = this.book.counters.picksInThread;
    const seen =
      answered === 0
        ? udp
        : {
            ...udp,
            datagramsIn: udp.datagramsIn + answered,
            framesIn: udp.framesIn + answered,
            framesOut: udp.framesOut + answered,
          };
    publishWorkerCounters(target, this.index, { book: this.book.counters, udp: seen, core: this.counters });
  }

  /** False (counted) when the main thread's queue refused the record. */
  private send(record: Uint8Array): boolean {
    if (this.toMain(record)) return true;
    this.counters.outputRefused++;
    return false;
  }
}
