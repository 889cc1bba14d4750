import { checkOption } from '@lars/wire';

/** The bookkeeping fields PendingRequests keeps on each entry (the owner adds its own). */
export interface PendingEntry<K> {
  /** The key replies are matched by (a seq, or a route key). Never changes. */
  readonly key: K;
  /** When the current attempt times out, on the `now` clock. */
  deadline: number;
  /** Attempts sent so far (1 after add). */
  attempts: number;
}

/** What the owner does when an attempt times out. */
export interface PendingHandlers<E> {
  /** Sends the entry's request again (it stays pending with a new deadline). */
  resend(entry: E): void;
  /** No attempt left: the entry has been removed; settle it as timed out. */
  expire(entry: E): void;
}

export interface PendingRequestsOptions {
  /** Time allowed for each attempt, ms. */
  timeoutMs?: number;
  /** Extra attempts after a timeout. */
  retries?: number;
  /** Period of the expiry timer, ms; a timeout fires between timeoutMs and timeoutMs + tickMs. */
  tickMs?: number;
  /** Monotonic clock, ms (tests inject one). */
  now?: () => number;
}

const DEFAULTS = {
  timeoutMs: 100,
  retries: 2,
  now: () => performance.now(),
} as const;

/** A tenth of the timeout, within 1..50 ms: coarse enough to be cheap, fine enough to be fair. */
export function defaultTickMs(timeoutMs: number): number {
  return Math.max(1, Math.min(50, Math.ceil(timeoutMs / 10)));
}

/**
 * Requests waiting for a reply, with timeouts and bounded retries, and no
 * timer per request.
 *
 * Invariant: every attempt gets the same timeout and an entry is (re)inserted
 * at the end of the Map whenever its deadline is set, so the Map's insertion
 * order is deadline order. One coarse interval timer therefore only looks at
 * the oldest entries and stops at the first that is not due: add, take and
 * expiry are O(1) per request. The timer runs only while something is
 * pending (it stops on the first tick that finds the Map empty) and is
 * unref'd, so it never keeps a process alive by itself.
 */
export class PendingRequests<K, E extends PendingEntry<K>> {
  readonly timeoutMs: number;
  readonly retries: number;
  readonly tickMs: number;
  private readonly now: () => number;
  private readonly handlers: PendingHandlers<E>;
  private readonly entries = new Map<K, E>();
  private timer: NodeJS.Timeout | null = null;
  private retried = 0;
  private expired = 0;

  constructor(handlers: PendingHandlers<E>, options: PendingRequestsOptions = {}) {
    const timeoutMs = options.timeoutMs ?? DEFAULTS.timeoutMs;
    const retries = options.retries ?? DEFAULTS.retries;
    checkOption(Number.isFinite(timeoutMs) && timeoutMs > 0, 'timeoutMs', 'must be a number > 0');
    checkOption(Number.isInteger(retries) && retries >= 0, 'retries', 'must be an integer >= 0');
    const tickMs = options.tickMs ?? defaultTickMs(timeoutMs);
    checkOption(Number.isFinite(tickMs) && tickMs > 0, 'tickMs', 'must be a number > 0');
    this.timeoutMs = timeoutMs;
    this.retries = retries;
    this.tickMs = tickMs;
    this.now = options.now ?? DEFAULTS.now;
    this.handlers = handlers;
  }

  /** Entries waiting now. */
  get size(): number {
    return this.entries.size;
  }

  /** Attempts resent after a timeout, in total. */
  get retriesSent(): number {
    return this.retried;
  }

  /** Entries that ran out of attempts, in total. */
  get timeouts(): number {
    return this.expired;
  }

  has(key: K): boolean {
    return this.entries.has(key);
  }

  /** The pending entry for `key`, left pending. */
  get(key: K): E | undefined {
    return this.entries.get(key);
  }

  /** Starts the clock for an entry whose first attempt was just sent. The key must not be pending. */
  add(entry: E): void {
    entry.attempts = 1;
    entry.deadline = this.now() + this.timeoutMs;
    this.entries.set(entry.key, entry);
    if (this.timer === null) {
      this.timer = setInterval(this.onTick, this.tickMs);
      this.timer.unref();
    }
  }

  /** Removes and returns the entry for `key` (its reply arrived), or undefined if none is pending. */
  take(key: K): E | undefined {
    const entry = this.entries.get(key);
    if (entry !== undefined) this.entries.delete(key);
    return entry;
  }

  /** Removes every entry and returns them (to be settled by the owner); stops the timer. */
  drain(): E[] {
    const all = [...this.entries.values()];
    this.entries.clear();
    this.stopTimer();
    return all;
  }

  /**
   * Removes every entry `match` accepts and returns them, in deadline order
   * (to be settled by the owner). O(size): for rare events (a port found
   * unreachable), not for the per-request path.
   */
  takeWhere(match: (entry: E) => boolean): E[] {
    const taken: E[] = [];
    // Deleting the entry being visited is safe while iterating a Map.
    for (const entry of this.entries.values()) {
      if (!match(entry)) continue;
      this.entries.delete(entry.key);
      taken.push(entry);
    }
    if (this.entries.size === 0) this.stopTimer();
    return taken;
  }

  /** Resends or expires every entry due at `now`. The timer calls it; exposed for tests. */
  tick(now: number = this.now()): void {
    for (const entry of this.entries.values()) {
      // Deadline order (see the class invariant): the first entry not due ends the scan.
      if (entry.deadline > now) break;
      this.entries.delete(entry.key);
      if (entry.attempts <= this.retries) {
        entry.attempts++;
        entry.deadline = now + this.timeoutMs;
        this.entries.set(entry.key, entry);
        this.retried++;
        this.handlers.resend(entry);
      } else {
        this.expired++;
        this.handlers.expire(entry);
      }
    }
    if (this.entries.size === 0) this.stopTimer();
  }

  private readonly onTick = (): void => this.tick();

  private stopTimer(): void {
    if (this.timer === null) return;
    clearInterval(this.timer);
    this.timer = null;
  }
}
