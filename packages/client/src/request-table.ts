import { agentPortIndex } from '@lars/proto';
import type { AgentLink } from './agent-sockets.js';
import type { LarsClientError } from './client-errors.js';
import { PendingRequests } from './pending-requests.js';
import type { PendingEntry, PendingHandlers, PendingRequestsOptions } from './pending-requests.js';

/** What every pending request knows: the key that picks its agent port. */
export interface KeyedEntry<K> extends PendingEntry<K> {
  readonly modid: number;
  readonly cmdid: number;
}

/**
 * What get_host and get_route requests share: the link to the agent, the
 * pending table with its timeouts and retries, settling on close or when a
 * port is found unreachable, and the counters the client's stats() reads.
 * Subclasses send, match replies and settle entries.
 */
export abstract class RequestTable<K, E extends KeyedEntry<K>> implements PendingHandlers<E> {
  protected readonly link: AgentLink;
  protected readonly pending: PendingRequests<K, E>;
  protected matched = 0;
  protected stale = 0;
  private unreached = 0;
  /** Set by close(): every later request settles with it at once. */
  protected closedWith: LarsClientError | null = null;

  constructor(link: AgentLink, options: PendingRequestsOptions = {}) {
    this.link = link;
    this.pending = new PendingRequests<K, E>(this, options);
  }

  /** Replies that settled a request. */
  get replies(): number {
    return this.matched;
  }

  /** Replies dropped as stale or foreign. */
  get staleReplies(): number {
    return this.stale;
  }

  get retries(): number {
    return this.pending.retriesSent;
  }

  get timeouts(): number {
    return this.pending.timeouts;
  }

  /** Requests settled by {@link failPort}. */
  get unreachable(): number {
    return this.unreached;
  }

  get inFlight(): number {
    return this.pending.size;
  }

  /** Settles every pending request with SYSTEM_ERROR `error`; later requests get it at once. */
  close(error: LarsClientError): void {
    this.closedWith = error;
    for (const entry of this.pending.drain()) this.settle(entry, error);
  }

  /**
   * The socket of agent port `portIndex` (0..2) reported the agent
   * unreachable: settles at once, with `error`, every request pending on
   * that port (whichever request's datagram drew the ICMP), instead of
   * letting each wait out its retries. Nothing is remembered: the next
   * request is sent as usual, so it succeeds as soon as the agent is back.
   */
  failPort(portIndex: number, error: LarsClientError): void {
    const taken = this.pending.takeWhere((entry) => agentPortIndex(entry.modid, entry.cmdid) === portIndex);
    this.unreached += taken.length;
    for (const entry of taken) this.settle(entry, error);
  }

  abstract resend(entry: E): void;
  abstract expire(entry: E): void;
  /** Resolves the entry's caller(s) with SYSTEM_ERROR `error` (the entry is no longer pending). */
  protected abstract settle(entry: E, error: LarsClientError): void;
}
