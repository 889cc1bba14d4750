import { setTimeout as sleep } from 'node:timers/promises';
import { MessageId, parseIpv4, RetCode } from '@lars/proto';
import type { DecodedMessageMap, HostInfo, ReportRequest } from '@lars/proto';
import { checkOption, ErrorCode, LarsError, MessageRouter, silentWireLogger } from '@lars/wire';
import type { WireLogger } from '@lars/wire';
import type { UdpClient } from '@lars/wire';
import { MAX_BASE_PORT, resolveAgentAddress } from './agent-address.js';
import type { AgentEnv } from './agent-address.js';
import { AgentSockets } from './agent-sockets.js';
import { ClientErrorCode, LarsClientError } from './client-errors.js';
import type { CallResult, ClientStats, GetHostResult, GetRouteResult, HostAddress } from './client-results.js';
import { GetHostLatency, type GetHostHook } from './get-host-latency.js';
import { HostRequests } from './host-requests.js';
import { RouteRequests } from './route-requests.js';

/** Options of a {@link LarsClient}; every field is optional. */
export interface LarsClientOptions {
  /** Address of the local LB agent. Default: `LARS_AGENT_IP` from {@link env} when set, else `127.0.0.1`. */
  host?: string;
  /**
   * First of the agent's three UDP ports: (modid, cmdid) goes to `basePort + (modid + cmdid) % 3`.
   * Default: `LARS_AGENT_BASE_PORT` from {@link env} when set, else 8888.
   */
  basePort?: number;
  /**
   * Where `LARS_AGENT_IP` / `LARS_AGENT_BASE_PORT` are read when `host` /
   * `basePort` are not given (an empty value counts as unset). Default
   * `process.env`, read once by the constructor; pass `{}` to ignore the environment.
   */
  env?: AgentEnv;
  /** Time allowed for each attempt of a request, ms. Default 100. */
  timeoutMs?: number;
  /** Extra attempts after a timeout (so `1 + retries` attempts in all). Default 2. */
  retries?: number;
  /** regInit, and the first getHost of a key, ask up to this many times while the agent answers NOEXIST. Default 3. */
  routeWaitAttempts?: number;
  /** Pause between those attempts, ms. Default 50. */
  routeWaitIntervalMs?: number;
  /**
   * SO_RCVBUF of each of the three sockets, bytes (the OS caps it at its
   * maximum, net.core.rmem_max on Linux). Replies to many concurrent calls
   * arrive in a burst; what does not fit is lost and costs a retry. Default 1 MiB.
   */
  recvBufferSize?: number;
  /** pino logger; nothing is logged by default. */
  logger?: WireLogger;
  /**
   * Called once per completed {@link LarsClient.getHost} (also the one
   * inside call()) with its time in seconds and its outcome, whatever it
   * is: to feed the application's own metrics (a throw is logged and
   * ignored). stats().getHostLatency holds the same samples.
   */
  onGetHost?: GetHostHook;
}

// The agent address's defaults are AGENT_DEFAULTS (agent-address.ts), shared with the tools.
const DEFAULTS = {
  timeoutMs: 100,
  retries: 2,
  routeWaitAttempts: 3,
  routeWaitIntervalMs: 50,
  recvBufferSize: 1024 * 1024,
} as const;

const MAX_ID = 0x7fffffff;
const MAX_TIMECOST = 0xffffffff;
/** The retcode a failed call is reported with (anything but 0 counts as a failure). */
const CALL_FAILED = 1;

function checkKey(modid: number, cmdid: number): void {
  checkOption(Number.isInteger(modid) && modid >= 0 && modid <= MAX_ID, 'modid', `must be an integer 0..${MAX_ID}`);
  checkOption(Number.isInteger(cmdid) && cmdid >= 0 && cmdid <= MAX_ID, 'cmdid', `must be an integer 0..${MAX_ID}`);
}

function retOf(result: GetRouteResult): RetCode {
  return result.ret;
}

function elapsedMs(start: number): number {
  return Math.max(0, Math.round(performance.now() - start));
}

/**
 * The Lars SDK: picks hosts for a (modid, cmdid) from the local LB agent and
 * reports how calls to them went, over UDP (protocol.md).
 *
 * One client serves a whole application: any number of calls may be in
 * flight at once. Every request has a timeout and bounded retries, so every
 * promise settles; when nothing listens on the agent's port (the kernel
 * reports ICMP port unreachable), the calls pending on that port settle at
 * once with `LARS_AGENT_UNREACHABLE`, and the next call is sent as usual
 * (no "down" state to recover from). Outcomes the caller must handle (OVERLOAD, NOEXIST,
 * SYSTEM_ERROR) are values; the client throws only for misuse: invalid
 * arguments (LarsError `LARS_BAD_OPTION`) or use after close (`LARS_CLOSED`).
 * Its sockets keep the process alive until {@link LarsClient.close}.
 *
 * @example
 * ```ts
 * const client = new LarsClient();
 * const r = await client.call(1, 1, (host) => fetchFrom(host.ip, host.port));
 * if (r.ret === RetCode.SUCC) use(r.value);
 * await client.close();
 * ```
 */
export class LarsClient {
  /** Agent address. */
  readonly host: string;
  /** First agent UDP port. */
  readonly basePort: number;
  /** Per-attempt timeout, ms. */
  readonly timeoutMs: number;
  /** Extra attempts after a timeout. */
  readonly retries: number;
  /** Attempts while the agent answers NOEXIST for a key this client has not used yet. */
  readonly routeWaitAttempts: number;
  /** Pause between those attempts, ms. */
  readonly routeWaitIntervalMs: number;

  private readonly logger: WireLogger;
  private readonly sockets: AgentSockets;
  private readonly hosts: HostRequests;
  private readonly routes: RouteRequests;
  private readonly latency: GetHostLatency;
  /** modid -> cmdids this client has used: their first getHost has waited for the route already. */
  private readonly seen = new Map<number, Set<number>>();
  /** Reused by every report: the body is encoded before send() returns. */
  private readonly reportHost: HostInfo = { ip: 0, port: 0 };
  private readonly reportMessage: ReportRequest = {
    modid: 0,
    cmdid: 0,
    host: this.reportHost,
    retcode: 0,
    timecost: 0,
  };
  private reportsSent = 0;
  private closed = false;
  private closing: Promise<void> | null = null;

  /**
   * Creates the client and starts connecting its sockets (requests made
   * before that finishes wait for it).
   * @throws LarsError `LARS_BAD_OPTION` naming an invalid option, or the
   *   environment variable and value that is malformed.
   */
  constructor(options: LarsClientOptions = {}) {
    const agent = resolveAgentAddress({ host: options.host, basePort: options.basePort }, options.env ?? process.env);
    this.host = agent.host;
    this.basePort = agent.basePort;
    this.timeoutMs = options.timeoutMs ?? DEFAULTS.timeoutMs;
    this.retries = options.retries ?? DEFAULTS.retries;
    this.routeWaitAttempts = options.routeWaitAttempts ?? DEFAULTS.routeWaitAttempts;
    this.routeWaitIntervalMs = options.routeWaitIntervalMs ?? DEFAULTS.routeWaitIntervalMs;
    // Everything is checked before a socket is opened, so a rejected client leaks nothing.
    checkOption(typeof this.host === 'string' && this.host.length > 0, 'host', 'must be a non-empty string');
    const portOk = Number.isInteger(this.basePort) && this.basePort >= 1 && this.basePort <= MAX_BASE_PORT;
    checkOption(portOk, 'basePort', `must be an integer 1..${MAX_BASE_PORT} (the agent uses basePort..basePort+2)`);
    checkOption(Number.isFinite(this.timeoutMs) && this.timeoutMs > 0, 'timeoutMs', 'must be a number > 0');
    checkOption(Number.isInteger(this.retries) && this.retries >= 0, 'retries', 'must be an integer >= 0');
    const attemptsOk = Number.isInteger(this.routeWaitAttempts) && this.routeWaitAttempts >= 1;
    checkOption(attemptsOk, 'routeWaitAttempts', 'must be an integer >= 1');
    const intervalOk = Number.isFinite(this.routeWaitIntervalMs) && this.routeWaitIntervalMs >= 0;
    checkOption(intervalOk, 'routeWaitIntervalMs', 'must be a number >= 0');
    const recvBufferSize = options.recvBufferSize ?? DEFAULTS.recvBufferSize;
    const bufferOk = Number.isInteger(recvBufferSize) && recvBufferSize >= 1;
    checkOption(bufferOk, 'recvBufferSize', 'must be an integer >= 1 (bytes)');
    const hookOk = options.onGetHost === undefined || typeof options.onGetHost === 'function';
    checkOption(hookOk, 'onGetHost', 'must be a function (seconds, ret) => void');

    this.logger = (options.logger ?? silentWireLogger()).child({ component: 'lars-client' });
    const router = new MessageRouter<UdpClient>({ logger: options.logger })
      .on(MessageId.GetHostResponse, this.onHostResponse)
      .on(MessageId.ApiGetRouteResponse, this.onRouteResponse);
    this.sockets = new AgentSockets({
      host: this.host,
      basePort: this.basePort,
      router,
      recvBufferSize,
      logger: options.logger,
      onUnreachable: this.onUnreachable,
    });
    const timing = { timeoutMs: this.timeoutMs, retries: this.retries };
    this.latency = new GetHostLatency(options.onGetHost, this.logger);
    this.hosts = new HostRequests(this.sockets, { ...timing, onSettled: this.latency.record });
    this.routes = new RouteRequests(this.sockets, timing);
    void this.sockets.ready.then((error) => {
      if (error !== null)
        this.logger.warn({ err: error.cause, host: this.host, basePort: this.basePort }, error.message);
    });
  }

  /**
   * Makes the agent pull the route of (modid, cmdid) and waits for it: asks
   * for the route up to `routeWaitAttempts` times, `routeWaitIntervalMs`
   * apart, while the agent answers with no host (the original `reg_init`).
   * @returns `SUCC` when the route has hosts, `NOEXIST` when it still has
   *   none, `SYSTEM_ERROR` when the agent did not answer.
   * @throws LarsError `LARS_BAD_OPTION` for an invalid modid/cmdid, `LARS_CLOSED` after close().
   */
  regInit(modid: number, cmdid: number): Promise<RetCode> {
    this.checkUsable(modid, cmdid);
    return this.waitForRoute(modid, cmdid).then(retOf);
  }

  /**
   * One host of (modid, cmdid), chosen by the agent's load balancing. Call
   * it before every call to the service and {@link report} the outcome.
   * The first call on a key this client has not used yet waits for the
   * route like {@link regInit}, so it does not fail with NOEXIST only
   * because the agent had not pulled the route yet.
   * @throws LarsError `LARS_BAD_OPTION` for an invalid modid/cmdid, `LARS_CLOSED` after close().
   */
  getHost(modid: number, cmdid: number): Promise<GetHostResult> {
    this.checkUsable(modid, cmdid);
    if (this.sockets.isConnected && this.isSeen(modid, cmdid)) return this.hosts.request(modid, cmdid);
    return this.firstGetHost(modid, cmdid);
  }

  /**
   * Tells the agent how a call to `host` went (fire and forget, no reply).
   * @param retcode - 0 when the call succeeded, anything else when it failed.
   * @param timecostMs - how long the call took, ms (sent in the `timecost`
   *   extension field; a failed slow call weighs more). Omit when unknown.
   * @throws LarsError `LARS_BAD_OPTION` for an invalid key, host, retcode or
   *   timecost, `LARS_CLOSED` after close().
   */
  report(modid: number, cmdid: number, host: HostAddress, retcode: number, timecostMs?: number): void {
    this.checkUsable(modid, cmdid);
    const ip = typeof host?.ip === 'string' ? parseIpv4(host.ip) : -1;
    checkOption(ip >= 0, 'host.ip', 'must be an IPv4 dotted quad');
    const port = host.port;
    checkOption(Number.isInteger(port) && port >= 0 && port <= 65535, 'host.port', 'must be an integer 0..65535');
    checkOption(Number.isInteger(retcode) && retcode === (retcode | 0), 'retcode', 'must be an int32 (0 = success)');
    const timeOk = timecostMs === undefined || (Number.isFinite(timecostMs) && timecostMs >= 0);
    checkOption(timeOk, 'timecostMs', 'must be a number >= 0');
    const timecost = timecostMs === undefined ? 0 : Math.min(Math.round(timecostMs), MAX_TIMECOST);
    if (this.sockets.isConnected) {
      this.sendReport(modid, cmdid, ip, port, retcode, timecost);
    } else {
      void this.sockets.ready.then(() => this.sendReport(modid, cmdid, ip, port, retcode, timecost));
    }
  }

  /**
   * Every host of the route of (modid, cmdid) as the agent holds it.
   * Concurrent calls for the same key share one request. The first call on
   * a key this client has not used yet waits for the route like
   * {@link regInit} (the agent answers with no host while it pulls it), as
   * the first {@link getHost} does.
   * @returns `SUCC` with at least one host, `NOEXIST` with none (unknown
   *   route, or a route with no host), or `SYSTEM_ERROR`.
   * @throws LarsError `LARS_BAD_OPTION` for an invalid modid/cmdid, `LARS_CLOSED` after close().
   */
  getRoute(modid: number, cmdid: number): Promise<GetRouteResult> {
    this.checkUsable(modid, cmdid);
    if (this.isSeen(modid, cmdid)) return this.routeOf(modid, cmdid);
    return this.waitForRoute(modid, cmdid);
  }

  /**
   * Picks a host, runs `fn` with it, measures how long `fn` took and
   * reports the outcome with that timecost: success (retcode 0) when `fn`
   * resolves, failure (retcode 1) when it throws or rejects, in which case
   * the caller's error is rethrown unchanged. When no host can be picked
   * `fn` is not run and the getHost outcome is returned.
   * @throws LarsError `LARS_BAD_OPTION` for an invalid modid/cmdid, `LARS_CLOSED` after close();
   *   whatever `fn` throws.
   */
  async call<T>(modid: number, cmdid: number, fn: (host: HostAddress) => Promise<T>): Promise<CallResult<T>> {
    checkOption(typeof fn === 'function', 'fn', 'must be a function');
    const picked = await this.getHost(modid, cmdid);
    if (picked.ret !== RetCode.SUCC) return picked;
    const host = picked.host;
    const start = performance.now();
    let value: T;
    try {
      value = await fn(host);
    } catch (err) {
      this.reportCall(modid, cmdid, host, CALL_FAILED, elapsedMs(start));
      throw err;
    }
    const timecostMs = elapsedMs(start);
    this.reportCall(modid, cmdid, host, RetCode.SUCC, timecostMs);
    return { ret: RetCode.SUCC, value, host, timecostMs };
  }

  /**
   * Releases the sockets. Pending calls settle with `SYSTEM_ERROR` and
   * error code `LARS_CLOSED`; calling a method afterwards throws LarsError
   * `LARS_CLOSED`. Safe to call more than once.
   */
  close(): Promise<void> {
    if (this.closing === null) {
      this.closed = true;
      const error = new LarsClientError(ClientErrorCode.CLOSED, 'the LarsClient was closed');
      this.hosts.close(error);
      this.routes.close(error);
      this.closing = this.sockets.close();
    }
    return this.closing;
  }

  /** A snapshot of the client's counters. */
  stats(): ClientStats {
    const socket = this.sockets.stats();
    return {
      sent: socket.sent,
      replies: this.hosts.replies + this.routes.replies,
      timeouts: this.hosts.timeouts + this.routes.timeouts,
      unreachable: this.hosts.unreachable + this.routes.unreachable,
      retries: this.hosts.retries + this.routes.retries,
      staleReplies: this.hosts.staleReplies + this.routes.staleReplies,
      reports: this.reportsSent,
      sendFailures: socket.sendFailures,
      badReplies: socket.badReplies,
      inFlight: this.hosts.inFlight + this.routes.inFlight,
      getHostLatency: this.latency.snapshot(),
    };
  }

  private checkUsable(modid: number, cmdid: number): void {
    if (this.closed) throw new LarsError(ErrorCode.CLOSED, 'the LarsClient is closed');
    checkKey(modid, cmdid);
  }

  /** getHost for a key not used yet (or before the sockets are connected): waits for the route; timed as one call. */
  private async firstGetHost(modid: number, cmdid: number): Promise<GetHostResult> {
    const startedAt = performance.now();
    const error = await this.sockets.ready;
    if (error !== null) {
      this.latency.record(startedAt, RetCode.SYSTEM_ERROR);
      return { ret: RetCode.SYSTEM_ERROR, error };
    }
    for (let attempt = 1; ; attempt++) {
      const result = await this.hosts.request(modid, cmdid, false);
      const done = result.ret !== RetCode.NOEXIST || attempt >= this.routeWaitAttempts || this.isSeen(modid, cmdid);
      if (done) {
        if (result.ret !== RetCode.SYSTEM_ERROR) this.markSeen(modid, cmdid);
        this.latency.record(startedAt, result.ret);
        return result;
      }
      await sleep(this.routeWaitIntervalMs);
    }
  }

  /** Asks for the route up to routeWaitAttempts times while it has no host; a key still empty then counts as seen. */
  private async waitForRoute(modid: number, cmdid: number): Promise<GetRouteResult> {
    for (let attempt = 1; ; attempt++) {
      const result = await this.routeOf(modid, cmdid);
      if (result.ret !== RetCode.NOEXIST) return result;
      if (attempt >= this.routeWaitAttempts) {
        this.markSeen(modid, cmdid);
        return result;
      }
      await sleep(this.routeWaitIntervalMs);
    }
  }

  private async routeOf(modid: number, cmdid: number): Promise<GetRouteResult> {
    const error = await this.sockets.ready;
    if (error !== null) return { ret: RetCode.SYSTEM_ERROR, hosts: [], error };
    const result = await this.routes.request(modid, cmdid);
    if (result.ret === RetCode.SUCC) this.markSeen(modid, cmdid);
    return result;
  }

  /** Reports a call() outcome; skipped silently once closed (the caller's function already ran). */
  private reportCall(modid: number, cmdid: number, host: HostAddress, retcode: number, timecostMs: number): void {
    if (this.closed) return;
    this.sendReport(modid, cmdid, parseIpv4(host.ip), host.port, retcode, Math.min(timecostMs, MAX_TIMECOST));
  }

  private sendReport(modid: number, cmdid: number, ip: number, port: number, retcode: number, timecost: number): void {
    const message = this.reportMessage;
    message.modid = modid;
    message.cmdid = cmdid;
    message.retcode = retcode;
    message.timecost = timecost;
    this.reportHost.ip = ip;
    this.reportHost.port = port;
    if (this.sockets.send(modid, cmdid, MessageId.ReportRequest, message)) this.reportsSent++;
  }

  private isSeen(modid: number, cmdid: number): boolean {
    return this.seen.get(modid)?.has(cmdid) === true;
  }

  private markSeen(modid: number, cmdid: number): void {
    let cmdids = this.seen.get(modid);
    if (cmdids === undefined) {
      cmdids = new Set();
      this.seen.set(modid, cmdids);
    }
    cmdids.add(cmdid);
  }

  private readonly onUnreachable = (portIndex: number, error: LarsClientError): void => {
    this.hosts.failPort(portIndex, error);
    this.routes.failPort(portIndex, error);
  };

  private readonly onHostResponse = (res: DecodedMessageMap[typeof MessageId.GetHostResponse]): void => {
    this.hosts.onResponse(res);
  };

  private readonly onRouteResponse = (res: DecodedMessageMap[typeof MessageId.ApiGetRouteResponse]): void => {
    this.routes.onResponse(res);
  };
}
