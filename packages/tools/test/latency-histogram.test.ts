import { describe, expect, it } from 'vitest';
import { ErrorCode } from '@lars/wire';
import { HISTOGRAM_BUCKETS, LatencyHistogram } from '../src/latency-histogram.js';

describe('LatencyHistogram', () => {
  it('reads percentiles back at 1 µs resolution below 10 ms', () => {
    const h = new LatencyHistogram();
    for (let i = 1; i <= 100; i++) h.record(i / 100);
    expect(h.count).toBe(100);
    expect(h.percentile(0.5)).toBeCloseTo(0.5, 2);
    expect(h.percentile(0.99)).toBeCloseTo(0.99, 2);
    expect(h.percentile(1)).toBeCloseTo(1, 2);
  });

  it('uses 100 µs buckets up to 1 s and one overflow bucket above', () => {
    const h = new LatencyHistogram();
    h.record(123.456);
    expect(Math.abs(h.percentile(0.5) - 123.456)).toBeLessThan(0.1);
    const slow = new LatencyHistogram();
    slow.record(5000);
    expect(slow.percentile(0.5)).toBe(1000);
  });

  it('is 0 when empty and counts negative or NaN samples in the first bucket', () => {
    const h = new LatencyHistogram();
    expect(h.percentile(0.5)).toBe(0);
    h.record(-1);
    h.record(Number.NaN);
    expect(h.count).toBe(2);
    expect(h.counts[0]).toBe(2);
  });

  it('merges counts, also from a transferred array', () => {
    const a = new LatencyHistogram();
    const b = new LatencyHistogram();
    for (let i = 0; i < 10; i++) a.record(0.1);
    for (let i = 0; i < 10; i++) b.record(2);
    const copy = new LatencyHistogram(b.counts.slice());
    expect(copy.count).toBe(10);
    a.merge(copy);
    expect(a.count).toBe(20);
    expect(a.percentile(0.5)).toBeCloseTo(0.1, 2);
    expect(a.percentile(0.99)).toBeCloseTo(2, 2);
  });

  it('refuses a counts array of the wrong size', () => {
    expect(() => new LatencyHistogram(new Float64Array(HISTOGRAM_BUCKETS - 1))).toThrow(
      expect.objectContaining({ code: ErrorCode.BAD_OPTION }),
    );
  });
});
