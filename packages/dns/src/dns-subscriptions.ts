import { checkOption } from '@lars/wire';

/**
 * The DNS's subscriptions: which connection is pushed which route
 * (docs/architecture.md "DNS", "Subscriptions").
 *
 * The rule: a subscription (route, connection) lives until `ttlMs` after
 * the later of the connection's last pull of the route (GetRouteRequest)
 * and the last push of the route that was sent to it; it ends earlier when
 * the connection closes. Why both renew it:
 * - the Lars-TS agent re-pulls every route it uses every `update_timeout`
 *   from its last pull, so its pulls alone keep its routes;
 * - the original C++ agent re-pulls a route only after `update_timeout`
 *   without an update: a route pushed more often than that is never
 *   re-pulled, so the pushes have to keep it; a route pushed less often is
 *   re-pulled within `update_timeout`. Either way the gap between two
 *   renewals stays under `update_timeout` (plus the agent's own lag), below
 *   `ttlMs`, so an agent that uses a route never loses its subscription and
 *   gets every change; a route nobody pulls and nothing changes is released.
 *
 * Expiry is exact (`now >= deadline`): a push never goes to an expired
 * subscription even before the sweep has removed it. The sweep is one
 * coarse unref'ed timer over buckets by deadline tick: a renewal only writes
 * the new deadline, and the sweep visits a bucket once its tick is due,
 * expiring what is due and re-filing what was renewed. Each subscription is
 * visited about once per ttl whatever the renewal rate, never a scan of all
 * of them per tick.
 */
export interface SubscriptionsOptions {
  /** `[dns] subscription_ttl`, ms: how long a subscription lives without a pull or a push. */
  ttlMs?: number;
  /** Monotonic clock, ms (tests inject one). */
  now?: () => number;
}

export const SUBSCRIPTION_DEFAULTS = {
  /** 4 x the agents' default update_timeout (15 s): a renewal can be late more than twice over. */
  ttlMs: 60_000,
  now: () => performance.now(),
} as const;

/** Sweep period: an eighth of the ttl, within 1 ms..1 s (expiry is exact anyway; this bounds the memory held). */
export function sweepPeriodMs(ttlMs: number): number {
  return Math.max(1, Math.min(1000, Math.floor(ttlMs / 8)));
}

/** A route and its live subscriptions. */
interface Topic<C> {
  readonly key: string;
  readonly modid: number;
  readonly cmdid: number;
  readonly subs: Set<Subscription<C>>;
}

/** One (route, connection) pair. */
interface Subscription<C> {
  readonly topic: Topic<C>;
  readonly owner: Subscriber<C>;
  /** Expires once now >= deadline. */
  deadline: number;
  /** False once expired or dropped; a bucket entry of it is then skipped. */
  live: boolean;
}

/** One connection's side: its subscriptions by route key (kept in the connection's context slot). */
export class Subscriber<C> {
  /** @internal */
  readonly subs = new Map<string, Subscription<C>>();
  constructor(readonly conn: C) {}

  /** Routes this connection is subscribed to (expired ones the sweep has not reached yet included). */
  get size(): number {
    return this.subs.size;
  }
}

const routeKey = (modid: number, cmdid: number): string => `${modid}:${cmdid}`;

export class Subscriptions<C> {
  readonly ttlMs: number;
  readonly sweepMs: number;
  private readonly now: () => number;
  private readonly topics = new Map<string, Topic<C>>();
  /** Deadline tick (floor(deadline / sweepMs)) -> subscriptions filed there; a live one is in exactly one. */
  private readonly buckets = new Map<number, Subscription<C>[]>();
  /** The lowest tick that may still hold entries. */
  private cursor: number;
  private live = 0;
  private expiredTotal = 0;
  private visited = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(options: SubscriptionsOptions = {}) {
    const o = { ...SUBSCRIPTION_DEFAULTS, ...options };
    checkOption(Number.isInteger(o.ttlMs) && o.ttlMs > 0, 'subscriptionTtlMs', 'must be an integer > 0 (ms)');
    this.ttlMs = o.ttlMs;
    this.now = o.now;
    this.sweepMs = sweepPeriodMs(o.ttlMs);
    this.cursor = this.tick(this.now());
  }

  /** Live (route, connection) pairs. */
  get count(): number {
    return this.live;
  }

  /** Routes with at least one subscription. */
  get keys(): number {
    return this.topics.size;
  }

  /** Subscriptions ended by the ttl since start. */
  get expired(): number {
    return this.expiredTotal;
  }

  /** Bucket entries the sweeps have looked at since start (what a sweep costs). */
  get sweepVisits(): number {
    return this.visited;
  }

  /** Starts the sweep timer (unref'ed). */
  start(): void {
    if (this.timer !== null) return;
    this.timer = setInterval(() => this.sweep(), this.sweepMs);
    this.timer.unref();
  }

  close(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** A pull of (modid, cmdid) by `subscriber`: subscribes it, or renews its subscription. */
  pull(subscriber: Subscriber<C>, modid: number, cmdid: number): void {
    const key = routeKey(modid, cmdid);
    const deadline = this.now() + this.ttlMs;
    const existing = subscriber.subs.get(key);
    if (existing !== undefined) {
      existing.deadline = deadline;
      return;
    }
    let topic = this.topics.get(key);
    if (topic === undefined) {
      topic = { key, modid, cmdid, subs: new Set() };
      this.topics.set(key, topic);
    }
    const sub: Subscription<C> = { topic, owner: subscriber, deadline, live: true };
    topic.subs.add(sub);
    subscriber.subs.set(key, sub);
    this.live++;
    this.file(sub);
  }

  /** True when some connection is subscribed to the route (expired ones not yet removed included). */
  has(modid: number, cmdid: number): boolean {
    return this.topics.has(routeKey(modid, cmdid));
  }

  /**
   * Pushes the route to every live subscriber: `send` returns true when the
   * frame was taken, which renews that subscription. Due ones are expired
   * instead, unsent.
   */
  push(modid: number, cmdid: number, send: (conn: C) => boolean): void {
    const topic = this.topics.get(routeKey(modid, cmdid));
    if (topic === undefined) return;
    const now = this.now();
    for (const sub of topic.subs) {
      if (now >= sub.deadline) this.expire(sub);
      else if (send(sub.owner.conn)) sub.deadline = now + this.ttlMs;
    }
  }

  /** Drops every subscription of a connection (it closed); not counted as expired. */
  drop(subscriber: Subscriber<C>): void {
    for (const sub of subscriber.subs.values()) this.remove(sub);
    subscriber.subs.clear();
  }

  /** Expires what is due in the buckets whose tick has come; returns how many expired. */
  sweep(): number {
    const now = this.now();
    const current = this.tick(now);
    const before = this.expiredTotal;
    if (current - this.cursor > this.buckets.size) {
      // A long gap (a stalled loop, a jumped test clock): visit the buckets there are, not every tick.
      for (const t of [...this.buckets.keys()]) if (t <= current) this.sweepBucket(t, now);
    } else {
      for (let t = this.cursor; t <= current; t++) this.sweepBucket(t, now);
    }
    // The current tick stays: entries re-filed into it now are due later within it.
    this.cursor = current;
    return this.expiredTotal - before;
  }

  private sweepBucket(t: number, now: number): void {
    const bucket = this.buckets.get(t);
    if (bucket === undefined) return;
    // Taken out first: a renewed entry due later within this tick goes into a fresh bucket.
    this.buckets.delete(t);
    this.visited += bucket.length;
    for (const sub of bucket) {
      if (!sub.live) continue;
      if (now >= sub.deadline) this.expire(sub);
      else this.file(sub);
    }
  }

  private tick(time: number): number {
    return Math.floor(time / this.sweepMs);
  }

  private file(sub: Subscription<C>): void {
    const t = this.tick(sub.deadline);
    const bucket = this.buckets.get(t);
    if (bucket === undefined) this.buckets.set(t, [sub]);
    else bucket.push(sub);
  }

  private expire(sub: Subscription<C>): void {
    sub.owner.subs.delete(sub.topic.key);
    this.remove(sub);
    this.expiredTotal++;
  }

  private remove(sub: Subscription<C>): void {
    if (!sub.live) return;
    sub.live = false;
    this.live--;
    sub.topic.subs.delete(sub);
    if (sub.topic.subs.size === 0) this.topics.delete(sub.topic.key);
  }
}
