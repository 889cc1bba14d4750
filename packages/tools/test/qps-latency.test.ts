// The qps tool's latency histogram (qps-protocol.ts): what the worker
// threads record and the main thread merges into p50 / p99.
import { once } from 'node:events';
import type { RecordableHistogram } from 'node:perf_hooks';
import { MessageChannel } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { createLatencyHistogram, latencyPercentileMs, recordLatencyMs } from '../src/qps-protocol.js';

describe('qps latency histogram', () => {
  it('reads percentiles back in ms to three significant figures', () => {
    const h = createLatencyHistogram();
    for (let i = 1; i <= 100; i++) recordLatencyMs(h, i / 100);
    expect(h.count).toBe(100);
    expect(latencyPercentileMs(h, 50)).toBeCloseTo(0.5, 3);
    expect(latencyPercentileMs(h, 99)).toBeCloseTo(0.99, 3);
    expect(latencyPercentileMs(h, 100)).toBeCloseTo(1, 3);
  });

  it('is 0 when empty, and counts a sample outside 1 ns .. 1 h at the nearest end', () => {
    const h = createLatencyHistogram();
    expect(latencyPercentileMs(h, 50)).toBe(0);
    recordLatencyMs(h, 0);
    recordLatencyMs(h, -1);
    recordLatencyMs(h, 5 * 3600e3);
    expect(h.count).toBe(3);
    expect(h.exceeds).toBe(0);
    expect(latencyPercentileMs(h, 50)).toBe(1e-6);
    expect(latencyPercentileMs(h, 100)).toBeCloseTo(3600e3, -4);
  });

  it('forgets every sample on reset (the warm-up), count and percentiles alike', () => {
    const h = createLatencyHistogram();
    for (let i = 0; i < 1000; i++) recordLatencyMs(h, 50);
    h.reset();
    for (let i = 0; i < 10; i++) recordLatencyMs(h, 0.02);
    expect(h.count).toBe(10);
    expect(latencyPercentileMs(h, 99)).toBeCloseTo(0.02, 4);
  });

  it('merges a histogram posted from another port into the totals', async () => {
    const fast = createLatencyHistogram();
    const slow = createLatencyHistogram();
    for (let i = 0; i < 10; i++) recordLatencyMs(fast, 0.1);
    for (let i = 0; i < 10; i++) recordLatencyMs(slow, 2);
    const { port1, port2 } = new MessageChannel();
    try {
      const received = once(port2, 'message');
      port1.postMessage(slow);
      const [posted] = (await received) as [RecordableHistogram];
      fast.add(posted);
    } finally {
      port1.close();
    }
    expect(fast.count).toBe(20);
    expect(latencyPercentileMs(fast, 50)).toBeCloseTo(0.1, 3);
    expect(latencyPercentileMs(fast, 99)).toBeCloseTo(2, 2);
  });
});
