import { describe, expect, it } from 'vitest';
import { RingDeque } from '../src/ring-deque.js';

describe('RingDeque', () => {
  it('is a FIFO across wrap-arounds and growth', () => {
    const q = new RingDeque<number>(2);
    const model: number[] = [];
    let next = 0;
    // Interleave pushes and shifts so the head wraps while the ring grows.
    for (let round = 0; round < 200; round++) {
      for (let k = 0; k < (round % 7) + 1; k++) {
        q.push(next);
        model.push(next++);
      }
      for (let k = 0; k < round % 5; k++) expect(q.shift()).toBe(model.shift());
      expect(q.length).toBe(model.length);
      expect(q.peek()).toBe(model[0]);
    }
    while (model.length > 0) expect(q.shift()).toBe(model.shift());
    expect(q.shift()).toBeUndefined();
    expect(q.peek()).toBeUndefined();
    q.push(1);
    q.clear();
    expect(q.length).toBe(0);
  });
});
