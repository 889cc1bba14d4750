// The qps tool's --rate: a token bucket per worker thread (qps-worker.ts).
// Tokens are refilled from the clock whenever a loop asks for one, so a
// thread that keeps up pays one clock read per loop and sets no timer; a loop
// that finds the bucket empty waits, with every other waiting loop of the
// thread, on one timer set for when the next token is due. The bucket holds
// at most `burst` tokens (1/10 s worth): a thread that fell behind (a slow
// answer, a GC pause) catches up by that much, not by everything it missed.
// Over any run, the tokens handed out are at most rate × elapsed + burst.

/** What the pacer reads the time from and sets its timer with; tests pass a fake. */
export interface PacerClock {
  /** Milliseconds, monotonic (performance.now()). */
  now(): number;
  setTimer(callback: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

export const systemClock: PacerClock = {
  now: () => performance.now(),
  setTimer: (callback, ms) => setTimeout(callback, ms),
  clearTimer: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** The catch-up allowance: 1/10 s of tokens, at least one. */
export function defaultBurst(ratePerSec: number): number {
  return Math.max(1, Math.ceil(ratePerSec / 10));
}

/**
 * `rate` loops per second split over `threads` threads: each gets
 * floor(rate / threads), the first rate % threads one more. The caller makes
 * sure rate >= threads (no thread gets 0).
 */
export function splitRate(rate: number, threads: number): number[] {
  const base = Math.floor(rate / threads);
  const extra = rate % threads;
  return Array.from({ length: threads }, (_, i) => base + (i < extra ? 1 : 0));
}

/** A token, give or take floating-point rounding of the refill (a timer set for the due time then finds it due). */
const WHOLE = 1 - 1e-9;

export class QpsPacer {
  readonly burst: number;
  private readonly perMs: number;
  /** Starts with one token: the first loop goes at once, the rest at the rate. */
  private tokens = 1;
  private refilledAt: number;
  /** Loops waiting for a token, first come first served; resolved false on close. */
  private readonly waiters: ((granted: boolean) => void)[] = [];
  private timer: unknown = undefined;
  private closed = false;

  constructor(
    readonly ratePerSec: number,
    private readonly clock: PacerClock = systemClock,
    burst = defaultBurst(ratePerSec),
  ) {
    if (!(ratePerSec > 0) || !(burst >= 1)) throw new RangeError(`QpsPacer: rate ${ratePerSec}, burst ${burst}`);
    this.burst = burst;
    this.perMs = ratePerSec / 1000;
    this.refilledAt = clock.now();
  }

  /** Takes a token if one is due (and no loop is queued before the caller). */
  tryTake(): boolean {
    if (this.waiters.length > 0 || this.closed) return false;
    this.refill();
    if (this.tokens < WHOLE) return false;
    this.tokens -= 1;
    return true;
  }

  /** Waits for a token: true once the caller has one, false when the pacer closed first. */
  acquire(): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    if (this.tryTake()) return Promise.resolve(true);
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      this.schedule();
    });
  }

  /** Milliseconds until the next token is due; 0 when one is available now. */
  msUntilNext(): number {
    this.refill();
    return this.tokens >= WHOLE ? 0 : (1 - this.tokens) / this.perMs;
  }

  /** Number of loops waiting for a token. */
  get waiting(): number {
    return this.waiters.length;
  }

  /** Ends the pacing: the timer is cleared, every waiting loop gets false. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer = undefined;
    for (const resolve of this.waiters.splice(0)) resolve(false);
  }

  private refill(): void {
    const now = this.clock.now();
    if (now > this.refilledAt) {
      this.tokens = Math.min(this.burst, this.tokens + (now - this.refilledAt) * this.perMs);
      this.refilledAt = now;
    }
  }

  /** Hands out the tokens that are due to the queued loops; one timer for the rest. */
  private readonly grant = (): void => {
    this.timer = undefined;
    if (this.closed) return;
    this.refill();
    let granted = 0;
    while (granted < this.waiters.length && this.tokens >= WHOLE) {
      this.tokens -= 1;
      granted++;
    }
    for (const resolve of this.waiters.splice(0, granted)) resolve(true);
    this.schedule();
  };

  /** Sets the one timer while loops wait; they wait only when the bucket is empty, so it is always in the future. */
  private schedule(): void {
    if (this.timer !== undefined || this.waiters.length === 0) return;
    this.timer = this.clock.setTimer(this.grant, this.msUntilNext());
  }
}
