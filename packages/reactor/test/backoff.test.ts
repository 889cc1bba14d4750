import { describe, expect, it } from 'vitest';
import { Backoff } from '../src/backoff.js';
import { ErrorCode, LarsError } from '@lars/wire';

function seq(backoff: Backoff, n: number): number[] {
  return Array.from({ length: n }, () => backoff.next());
}

describe('Backoff', () => {
  it('grows by factor up to the cap without jitter', () => {
    const b = new Backoff({ initialMs: 100, maxMs: 1000, factor: 2, jitter: 0 });
    expect(seq(b, 7)).toEqual([100, 200, 400, 800, 1000, 1000, 1000]);
    expect(b.attempts).toBe(7);
  });

  it('starts over after reset', () => {
    const b = new Backoff({ initialMs: 50, maxMs: 10_000, factor: 3, jitter: 0 });
    expect(seq(b, 3)).toEqual([50, 150, 450]);
    b.reset();
    expect(b.attempts).toBe(0);
    expect(seq(b, 2)).toEqual([50, 150]);
  });

  it('jitter shortens each delay by up to its fraction, never above the cap', () => {
    const values = [0, 0.5, 0.999, 0.25];
    let i = 0;
    const b = new Backoff({
      initialMs: 1000,
      maxMs: 4000,
      factor: 2,
      jitter: 0.5,
      random: () => values[i++ % values.length],
    });
    // nominal: 1000, 2000, 4000, 4000, 4000
    expect(seq(b, 5)).toEqual([1000, 1500, 2002, 3500, 4000]);
  });

  it('stays within [nominal * (1 - jitter), nominal] with real randomness', () => {
    const b = new Backoff({ initialMs: 100, maxMs: 800, factor: 2, jitter: 0.3 });
    const nominal = [100, 200, 400, 800, 800, 800];
    for (const n of nominal) {
      const d = b.next();
      expect(d).toBeGreaterThanOrEqual(Math.floor(n * 0.7));
      expect(d).toBeLessThanOrEqual(n);
    }
  });

  it('rejects bad options with BAD_OPTION', () => {
    for (const opts of [{ initialMs: -1 }, { initialMs: 500, maxMs: 100 }, { factor: 0.5 }, { jitter: 1.5 }]) {
      let caught: unknown;
      try {
        new Backoff(opts);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(LarsError);
      expect((caught as LarsError).code).toBe(ErrorCode.BAD_OPTION);
    }
  });
});
