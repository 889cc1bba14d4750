import type { AgentLink } from './agent-sockets.js';
import type { LarsClientError } from './client-errors.js';
import { PendingRequests } from './pending-requests.js';
import type { PendingEntry, PendingHandlers, PendingRequestsOptions } from './pending-requests.js';

/**
 * What get_host and get_route requests share: the link to the agent, the
 * pending table with its timeouts and retries, and the counters the client's
 * stats() reads. Subclasses match replies and settle entries.
 */
export abstract class RequestTable<K, E extends PendingEntry<K>> implements PendingHandlers<E> {
  protected readonly link: AgentLink;
  protected readonly pending: PendingRequests<K, E>;
  protected matched = 0;
  protected stale = 0;
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

  get inFlight(): number {
    return this.pending.size;
  }

  abstract resend(entry: E): void;
  abstract expire(entry: E): void;
}
