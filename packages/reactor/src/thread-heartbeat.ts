import { checkOption } from '@lars/wire';
import type { HealthCheck } from './health.js';

export interface HeartbeatBoardOptions {
  /** A thread whose slot has not moved for this long is dead. */
  deadAfterMs?: number;
  /** Monotonic clock, ms (tests pass a fake one). */
  now?: () => number;
}

const DEFAULTS = {
  // Well above the longest synchronous stretch a thread has: the DNS loader
  // building a 1M-row table is busy for a few seconds without its timer firing.
  deadAfterMs: 10_000,
  intervalMs: 1_000,
} as const;

/** What a thread needs to beat: pass it in workerData. */
export interface HeartbeatSlot {
  buffer: SharedArrayBuffer;
  slot: number;
}

/** The per-thread verdict of HeartbeatBoard.check(). */
export interface ThreadHealth extends HealthCheck {
  /** The slot's counter: how many beats the thread has made (wraps at 2^31). */
  beats: number;
  /** How long the slot has not moved, as far as the board has seen, ms. */
  silentMs: number;
}

/**
 * Liveness of a daemon's threads without messages: one Int32 slot per
 * thread in a SharedArrayBuffer, which that thread advances from an unref'ed
 * interval timer (Heartbeat). A thread whose event loop turns beats, even
 * one awaiting MySQL for minutes; one that is stuck (a busy loop, a deadlock)
 * or gone does not.
 *
 * The main thread judges at check() time: a slot that has not moved for
 * deadAfterMs since the board first saw its current value is dead. The board
 * only sees values when it checks, so "silent" is measured from the first
 * check that saw the value (or from the board's creation): a thread that
 * never beats is dead deadAfterMs after the board was made.
 */
export class HeartbeatBoard<Name extends string> {
  readonly buffer: SharedArrayBuffer;
  readonly deadAfterMs: number;
  private readonly names: readonly Name[];
  private readonly view: Int32Array;
  private readonly now: () => number;
  private readonly seen: { value: number; at: number }[];

  constructor(names: readonly Name[], options: HeartbeatBoardOptions = {}) {
    checkOption(names.length > 0 && new Set(names).size === names.length, 'names', 'must be distinct and not empty');
    this.deadAfterMs = options.deadAfterMs ?? DEFAULTS.deadAfterMs;
    checkOption(Number.isFinite(this.deadAfterMs) && this.deadAfterMs > 0, 'deadAfterMs', 'must be > 0');
    this.names = names;
    this.now = options.now ?? (() => performance.now());
    this.buffer = new SharedArrayBuffer(names.length * 4);
    this.view = new Int32Array(this.buffer);
    const at = this.now();
    this.seen = names.map(() => ({ value: 0, at }));
  }

  /** Where thread `name` beats (hand it to the thread). */
  slot(name: Name): HeartbeatSlot {
    const slot = this.names.indexOf(name);
    checkOption(slot >= 0, 'name', `must be one of ${this.names.join(', ')}`);
    return { buffer: this.buffer, slot };
  }

  /** One verdict per thread, as of now. */
  check(): Record<Name, ThreadHealth> {
    const now = this.now();
    const out = {} as Record<Name, ThreadHealth>;
    this.names.forEach((name, i) => {
      const value = Atomics.load(this.view, i);
      const seen = this.seen[i];
      if (value !== seen.value) {
        seen.value = value;
        seen.at = now;
      }
      const silentMs = Math.max(0, Math.round(now - seen.at));
      const ok = silentMs < this.deadAfterMs;
      const detail = ok
        ? `beating (${value} beats)`
        : value === 0
          ? `has not beaten in ${silentMs} ms`
          : `no heartbeat for ${silentMs} ms`;
      out[name] = { ok, detail, beats: value, silentMs };
    });
    return out;
  }
}

/**
 * A thread's side of a HeartbeatBoard: beat() advances its slot; start()
 * does so from an unref'ed interval timer (it never keeps a process or a
 * worker alive). close() stops the timer.
 */
export class Heartbeat {
  readonly intervalMs: number;
  private readonly view: Int32Array;
  private readonly slot: number;
  private timer: NodeJS.Timeout | null = null;

  constructor(where: HeartbeatSlot, intervalMs: number = DEFAULTS.intervalMs) {
    checkOption(Number.isFinite(intervalMs) && intervalMs > 0, 'intervalMs', 'must be > 0');
    this.view = new Int32Array(where.buffer);
    checkOption(
      Number.isInteger(where.slot) && where.slot >= 0 && where.slot < this.view.length,
      'slot',
      'is not a slot of the board',
    );
    this.slot = where.slot;
    this.intervalMs = intervalMs;
  }

  /** Beats now, then every intervalMs. */
  start(): this {
    this.beat();
    if (this.timer === null) {
      this.timer = setInterval(() => this.beat(), this.intervalMs);
      this.timer.unref();
    }
    return this;
  }

  beat(): void {
    Atomics.add(this.view, this.slot, 1);
  }

  close(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }
}
