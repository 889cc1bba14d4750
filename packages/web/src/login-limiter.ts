/**
 * Failed logins per key (`user:NAME`, `addr:IP`) within a fixed window: once
 * a key has `attempts` failures, further attempts are refused before any
 * password is checked until its window ends. A success clears the user's
 * key (not the address's: one address guessing many names stays limited).
 *
 * Bounded: at most `maxKeys` keys; past that the oldest key is forgotten
 * (Map keeps insertion order), so a flood of made-up names costs memory
 * no more than that. Per process: several console instances each keep their
 * own, which multiplies the allowance by their number, never lifts it.
 */
export class LoginLimiter {
  private readonly failures = new Map<string, { count: number; windowEnd: number }>();

  constructor(
    private readonly attempts: number,
    private readonly windowMs: number,
    private readonly now: () => number,
    private readonly maxKeys = 10_000,
  ) {}

  /** Whether any of `keys` is over its limit now. */
  limited(keys: readonly string[]): boolean {
    const t = this.now();
    return keys.some((k) => {
      const f = this.failures.get(k);
      if (f === undefined) return false;
      if (f.windowEnd <= t) {
        this.failures.delete(k);
        return false;
      }
      return f.count >= this.attempts;
    });
  }

  fail(keys: readonly string[]): void {
    const t = this.now();
    for (const k of keys) {
      const f = this.failures.get(k);
      if (f !== undefined && f.windowEnd > t) {
        f.count++;
        continue;
      }
      this.failures.delete(k);
      if (this.failures.size >= this.maxKeys) {
        const oldest = this.failures.keys().next().value;
        if (oldest !== undefined) this.failures.delete(oldest);
      }
      this.failures.set(k, { count: 1, windowEnd: t + this.windowMs });
    }
  }

  succeed(key: string): void {
    this.failures.delete(key);
  }

  get size(): number {
    return this.failures.size;
  }
}
