import { intToIp, MessageId, RetCode } from '@lars/proto';
import type { DecodedMessageMap, GetHostRequest } from '@lars/proto';
import type { AgentLink } from './agent-sockets.js';
import { ClientErrorCode, LarsClientError } from './client-errors.js';
import type { GetHostResult } from './client-results.js';
import type { PendingRequestsOptions } from './pending-requests.js';
import { RequestTable } from './request-table.js';
import type { KeyedEntry } from './request-table.js';

export interface HostRequestsOptions extends PendingRequestsOptions {
  /** The seq of the first request (tests start near 2^32 to see it wrap). */
  firstSeq?: number;
  /** Called once per timed request when it settles: when it was made (performance.now(), ms) and its outcome. */
  onSettled?: (startedAt: number, ret: RetCode) => void;
}

interface HostEntry extends KeyedEntry<number> {
  /** performance.now() at request(); NaN for a request its caller times itself. */
  readonly startedAt: number;
  resolve: (result: GetHostResult) => void;
}

const SEQ_SPACE = 2 ** 32;

// Answers with nothing in them are shared: no allocation for OVERLOAD / NOEXIST.
const OVERLOAD_RESULT: GetHostResult = Object.freeze({ ret: RetCode.OVERLOAD });
const NOEXIST_RESULT: GetHostResult = Object.freeze({ ret: RetCode.NOEXIST });

const unresolved = (): void => undefined;
const untimed = (): void => undefined;

/**
 * get_host requests in flight on one client. Each gets a uint32 seq (wrapping,
 * never one still pending); a GetHostResponse settles the request only when
 * its seq is pending AND its (modid, cmdid) is the one asked for. Anything
 * else (an unknown seq, a reply after the request timed out, a foreign
 * key) is dropped and counted as stale. A retry resends the same seq, so a
 * late reply to an earlier attempt still answers the request.
 */
export class HostRequests extends RequestTable<number, HostEntry> {
  /** Reused for every send: the body is encoded before send() returns. */
  private readonly message: GetHostRequest = { seq: 0, modid: 0, cmdid: 0 };
  private seq: number;
  /** The entry whose promise is being created: the executor runs synchronously inside `new Promise`. */
  private capturing: HostEntry | null = null;
  private readonly onSettled: (startedAt: number, ret: RetCode) => void;

  constructor(link: AgentLink, options: HostRequestsOptions = {}) {
    super(link, options);
    this.seq = ((options.firstSeq ?? 1) - 1) >>> 0;
    this.onSettled = options.onSettled ?? untimed;
  }

  /**
   * Asks the agent for one host of (modid, cmdid); always settles (by reply,
   * timeout or close). `timed`: report it to onSettled (false when the caller
   * times a series of requests as one call).
   */
  request(modid: number, cmdid: number, timed = true): Promise<GetHostResult> {
    const startedAt = timed ? performance.now() : Number.NaN;
    if (this.closedWith !== null) {
      return Promise.resolve(this.settled(startedAt, { ret: RetCode.SYSTEM_ERROR, error: this.closedWith }));
    }
    const seq = this.nextSeq();
    if (!this.sendRequest(seq, modid, cmdid)) {
      const error = new LarsClientError(
        ClientErrorCode.SEND_FAILED,
        `get_host ${modid}/${cmdid}: the socket refused the request`,
      );
      return Promise.resolve(this.settled(startedAt, { ret: RetCode.SYSTEM_ERROR, error }));
    }
    const entry: HostEntry = { key: seq, modid, cmdid, deadline: 0, attempts: 0, startedAt, resolve: unresolved };
    this.capturing = entry;
    const result = new Promise<GetHostResult>(this.capture);
    this.pending.add(entry);
    return result;
  }

  /** Matches one GetHostResponse from the agent. */
  onResponse(res: DecodedMessageMap[typeof MessageId.GetHostResponse]): void {
    const entry = this.pending.get(res.seq);
    if (entry === undefined || entry.modid !== res.modid || entry.cmdid !== res.cmdid) {
      this.stale++;
      return;
    }
    this.pending.take(res.seq);
    this.matched++;
    entry.resolve(this.settled(entry.startedAt, toResult(res)));
  }

  /** @internal PendingHandlers: an attempt timed out and a retry is left. */
  resend(entry: HostEntry): void {
    this.sendRequest(entry.key, entry.modid, entry.cmdid);
  }

  /** @internal PendingHandlers: the last attempt timed out. */
  expire(entry: HostEntry): void {
    const { modid, cmdid, key, attempts } = entry;
    const why = `no reply from the agent for get_host ${modid}/${cmdid} (seq ${key}) after ${attempts} attempt(s) of ${this.pending.timeoutMs} ms`;
    this.settle(entry, new LarsClientError(ClientErrorCode.TIMEOUT, why));
  }

  protected override settle(entry: HostEntry, error: LarsClientError): void {
    entry.resolve(this.settled(entry.startedAt, { ret: RetCode.SYSTEM_ERROR, error }));
  }

  /** Every outcome of a request passes here exactly once. */
  private settled(startedAt: number, result: GetHostResult): GetHostResult {
    if (!Number.isNaN(startedAt)) this.onSettled(startedAt, result.ret);
    return result;
  }

  // One executor for every request, so a request allocates no closure of its own.
  private readonly capture = (resolve: (result: GetHostResult) => void): void => {
    (this.capturing as HostEntry).resolve = resolve;
    this.capturing = null;
  };

  private sendRequest(seq: number, modid: number, cmdid: number): boolean {
    const message = this.message;
    message.seq = seq;
    message.modid = modid;
    message.cmdid = cmdid;
    return this.link.send(modid, cmdid, MessageId.GetHostRequest, message);
  }

  /** The next uint32 seq after the last one, skipping 0 (absent on the wire) and any seq still pending. */
  private nextSeq(): number {
    let seq = this.seq;
    do {
      seq = (seq + 1) % SEQ_SPACE;
    } while (seq === 0 || this.pending.has(seq));
    this.seq = seq;
    return seq;
  }
}

function toResult(res: DecodedMessageMap[typeof MessageId.GetHostResponse]): GetHostResult {
  switch (res.retcode) {
    case RetCode.SUCC: {
      const host = res.host;
      if (host === null || host === undefined) break;
      return { ret: RetCode.SUCC, host: { ip: intToIp(host.ip ?? 0), port: host.port ?? 0 } };
    }
    case RetCode.OVERLOAD:
      return OVERLOAD_RESULT;
    case RetCode.NOEXIST:
      return NOEXIST_RESULT;
  }
  const why = res.retcode === RetCode.SUCC ? 'SUCC without a host' : `retcode ${res.retcode}`;
  const error = new LarsClientError(
    ClientErrorCode.AGENT_ERROR,
    `the agent answered get_host ${res.modid}/${res.cmdid} with ${why}`,
  );
  return { ret: RetCode.SYSTEM_ERROR, error };
}
