import { checkOption } from '@lars/wire';

export interface PullPacerOptions {
  /** Pulls sent per second at most (a token bucket holding one tick's worth). */
  ratePerSecond?: number;
  /** How often the pending pulls are drained while there are some, ms. */
  tickMs?: number;
  /** A monotonic clock, ms (a fake one in tests). */
  now?: () => number;
}

/**
 * Sends one GetRouteRequest; false when the link refused it (not connected,
 * output full): the key then stays pending and is tried again next tick.
 */
export type PullSender = (modid: number, cmdid: number) => boolean;

/**
 * 5,000 pulls a second: with the default update_timeout (15 s) that re-pulls
 * 75,000 routes per update_timeout, 1.5 x the default maxRoutes (50,000), so
 * every route held renews its DNS subscription in time even at the limit,
 * and a full agent re-subscribes in 10 s after a reconnect. A GetRouteRequest
 * is 16 bytes and the DNS answers it from memory, so one agent at the rate is
 * a small load; the limit is there for the burst, not the steady state.
 */
export const DEFAULT_PULL_RATE_PER_SECOND = 5_000;

const DEFAULTS = {
  ratePerSecond: DEFAULT_PULL_RATE_PER_SECOND,
  // 50 wakeups a second while pulls wait: coarse, and at the default rate 100 pulls a tick.
  tickMs: 20,
  now: () => performance.now(),
} as const;

/** Throws LARS_BAD_OPTION naming `option` unless `rate` is a valid pull rate. */
export function checkPullRate(rate: number, option = 'pullRatePerSecond'): void {
  checkOption(Number.isFinite(rate) && rate > 0, option, 'must be > 0');
}

interface Key {
  readonly modid: number;
  readonly cmdid: number;
}

/**
 * The agent's pulls to the DNS, paced: a pull is sent at once while the
 * bucket has a token, and otherwise waits in a pending set (one entry per
 * key: a key pulled again while it waits is sent once), drained in arrival
 * order at ratePerSecond by one coarse timer that runs only while pulls wait
 * and does not keep the process alive. A pull the sender refuses stays
 * pending, first in line, and is tried again each tick until it goes out.
 */
export class PullPacer {
  readonly ratePerSecond: number;
  readonly tickMs: number;
  private readonly send: PullSender;
  private readonly now: () => number;
  /** Tokens the bucket holds at most: one tick's worth, at least one pull. */
  private readonly capacity: number;
  private tokens: number;
  private refilledAt: number;
  private readonly waiting = new Map<string, Key>();
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(send: PullSender, options: PullPacerOptions = {}) {
    this.ratePerSecond = options.ratePerSecond ?? DEFAULTS.ratePerSecond;
    this.tickMs = options.tickMs ?? DEFAULTS.tickMs;
    checkPullRate(this.ratePerSecond, 'ratePerSecond');
    checkOption(Number.isInteger(this.tickMs) && this.tickMs >= 1, 'tickMs', 'must be an integer >= 1');
    this.send = send;
    this.now = options.now ?? DEFAULTS.now;
    this.capacity = Math.max(1, (this.ratePerSecond * this.tickMs) / 1000);
    this.tokens = this.capacity;
    this.refilledAt = this.now();
  }

  /** Pulls waiting to be sent. */
  get pending(): number {
    return this.waiting.size;
  }

  /** Pulls (modid, cmdid): now if the rate allows and nothing waits, else when its turn comes. */
  add(modid: number, cmdid: number): void {
    if (this.closed) return;
    const id = `${modid}/${cmdid}`;
    if (this.waiting.has(id)) return;
    // Behind pulls that wait, never ahead of them.
    if (this.waiting.size === 0) {
      this.refill();
      if (this.tokens >= 1 && this.send(modid, cmdid)) {
        this.tokens--;
        return;
      }
    }
    this.waiting.set(id, { modid, cmdid });
    this.startTimer();
  }

  /** Sends the waiting pulls the rate allows, in order, stopping at the first refusal (the timer calls it). */
  drain(): void {
    this.refill();
    for (const [id, key] of this.waiting) {
      if (this.tokens < 1 || !this.send(key.modid, key.cmdid)) break;
      this.tokens--;
      this.waiting.delete(id);
    }
    if (this.waiting.size === 0) this.stopTimer();
  }

  /** Forgets every waiting pull (the link went down: every route is pulled again on connect); returns how many. */
  clear(): number {
    const n = this.waiting.size;
    this.waiting.clear();
    this.stopTimer();
    return n;
  }

  close(): void {
    this.closed = true;
    this.clear();
  }

  private refill(): void {
    const now = this.now();
    const earned = ((now - this.refilledAt) * this.ratePerSecond) / 1000;
    this.refilledAt = now;
    if (earned > 0) this.tokens = Math.min(this.capacity, this.tokens + earned);
  }

  private startTimer(): void {
    if (this.timer !== null) return;
    this.timer = setInterval(this.onTick, this.tickMs);
    this.timer.unref();
  }

  private stopTimer(): void {
    if (this.timer === null) return;
    clearInterval(this.timer);
    this.timer = null;
  }

  private readonly onTick = (): void => this.drain();
}
