import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { SharedCounters } from '../src/shared-counters.js';
import { spawnWorker } from '../src/worker-spawn.js';

const NAMES = ['a', 'b'] as const;

describe('SharedCounters', () => {
  it('keeps named slots per row, with totals and per-row views', () => {
    const c = SharedCounters.create(3, NAMES, -1);
    expect(c.get(2, 'b')).toBe(-1);
    c.set(0, 'a', 5);
    c.set(1, 'a', 7);
    c.set(2, 'a', 0);
    c.add(1, 'a', 3);
    expect(c.total('a')).toBe(15);
    expect(c.perRow('a')).toEqual({ '0': 5, '1': 10, '2': 0 });
    expect(SharedCounters.attach(c.buffer, NAMES).get(1, 'a')).toBe(10);
  });

  it('is updated by worker threads and read by the main thread', async () => {
    const c = SharedCounters.create(2, NAMES);
    const workers = [0, 1].map((row) =>
      spawnWorker(new URL('./fixtures/shared-counters-worker.ts', import.meta.url), {
        workerData: { buffer: c.buffer, row },
      }),
    );
    await Promise.all(workers.map((w) => once(w, 'exit')));
    expect(c.perRow('a')).toEqual({ '0': 100_000, '1': 100_000 });
    expect(c.get(1, 'b')).toBe(1);
  });
});
