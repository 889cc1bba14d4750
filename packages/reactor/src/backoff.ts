import { checkOption } from '@lars/wire';

export interface BackoffOptions {
  /** First delay, ms. */
  initialMs?: number;
  /** Cap on any delay, ms. */
  maxMs?: number;
  /** Growth per attempt (>= 1). */
  factor?: number;
  /** 0..1: each delay is the nominal one minus up to this fraction, at random. */
  jitter?: number;
  /** Source of randomness in [0, 1) (tests inject a fixed one). */
  random?: () => number;
}

const DEFAULTS = {
  initialMs: 100,
  maxMs: 10_000,
  factor: 2,
  jitter: 0.2,
  random: Math.random,
} as const;

/**
 * Exponential backoff with jitter and a cap; pure (no timers), so the caller
 * owns the scheduling. Nominal delays go initialMs, initialMs*factor, ... up
 * to maxMs; jitter only ever shortens a delay, so no delay exceeds maxMs and
 * reconnecting clients that failed together spread out.
 */
export class Backoff {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly factor: number;
  readonly jitter: number;
  private readonly random: () => number;
  private nominal: number;
  private count = 0;

  constructor(options: BackoffOptions = {}) {
    this.initialMs = options.initialMs ?? DEFAULTS.initialMs;
    this.maxMs = options.maxMs ?? DEFAULTS.maxMs;
    this.factor = options.factor ?? DEFAULTS.factor;
    this.jitter = options.jitter ?? DEFAULTS.jitter;
    this.random = options.random ?? DEFAULTS.random;
    checkOption(Number.isFinite(this.initialMs) && this.initialMs >= 0, 'initialMs', 'must be a number >= 0');
    checkOption(Number.isFinite(this.maxMs) && this.maxMs >= this.initialMs, 'maxMs', 'must be >= initialMs');
    checkOption(Number.isFinite(this.factor) && this.factor >= 1, 'factor', 'must be >= 1');
    checkOption(this.jitter >= 0 && this.jitter <= 1, 'jitter', 'must be within 0..1');
    this.nominal = this.initialMs;
  }

  /** Failures since the last reset. */
  get attempts(): number {
    return this.count;
  }

  /** The delay before the next attempt, ms (an integer); advances the sequence. */
  next(): number {
    const nominal = this.nominal;
    this.nominal = Math.min(this.maxMs, nominal * this.factor);
    this.count++;
    return Math.round(nominal * (1 - this.jitter * this.random()));
  }

  /** Back to initialMs, after a success. */
  reset(): void {
    this.nominal = this.initialMs;
    this.count = 0;
  }
}
