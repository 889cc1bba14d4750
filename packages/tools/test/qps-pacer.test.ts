// The qps tool's --rate pacer (qps-pacer.ts) on a fake clock: counts of
// tokens handed out against rate × elapsed + burst, and the timers it sets.
import { describe, expect, it } from 'vitest';
import { defaultBurst, type PacerClock, QpsPacer, splitRate } from '../src/qps-pacer.js';

/** A clock that moves only when told; timers fire in due order as it passes them. */
class FakeClock implements PacerClock {
  time = 1000;
  private nextId = 1;
  readonly timers = new Map<number, { at: number; callback: () => void }>();
  /** Every delay a timer was set with. */
  readonly delays: number[] = [];

  now(): number {
    return this.time;
  }

  setTimer(callback: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.delays.push(ms);
    this.timers.set(id, { at: this.time + ms, callback });
    return id;
  }

  clearTimer(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  /** Moves to `time + ms`, firing each timer due on the way (and letting its resolutions run). */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    for (;;) {
      const due = [...this.timers].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (due === undefined) break;
      this.timers.delete(due[0]);
      this.time = Math.max(this.time, due[1].at);
      due[1].callback();
      await flush();
    }
    this.time = end;
    await flush();
  }
}

async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

/** Greedy loops: each takes tokens as fast as the pacer allows, counting them. */
function startLoops(pacer: QpsPacer, loops: number): { taken: number; done: Promise<unknown> } {
  const state: { taken: number; done: Promise<unknown> } = { taken: 0, done: Promise.resolve() };
  const one = async (): Promise<void> => {
    for (;;) {
      if (!pacer.tryTake() && !(await pacer.acquire())) return;
      state.taken++;
      await Promise.resolve(); // the loop's get_host, answered at once
    }
  };
  state.done = Promise.all(Array.from({ length: loops }, one));
  return state;
}

describe('splitRate', () => {
  it('gives each thread rate / threads, the remainder one each to the first threads', () => {
    expect(splitRate(10, 3)).toEqual([4, 3, 3]);
    expect(splitRate(5, 5)).toEqual([1, 1, 1, 1, 1]);
    expect(splitRate(10_000_000, 7).reduce((a, b) => a + b, 0)).toBe(10_000_000);
  });
});

describe('QpsPacer', () => {
  it('burst is 1/10 s worth of tokens, at least one', () => {
    expect(defaultBurst(1)).toBe(1);
    expect(defaultBurst(100)).toBe(10);
    expect(defaultBurst(1005)).toBe(101);
    expect(new QpsPacer(50, new FakeClock()).burst).toBe(5);
    expect(() => new QpsPacer(0, new FakeClock())).toThrow(RangeError);
  });

  it('starts with one token and refills at the rate, without a timer while tokens are due', () => {
    const clock = new FakeClock();
    const pacer = new QpsPacer(1000, clock); // one token per ms, burst 100
    expect(pacer.tryTake()).toBe(true);
    expect(pacer.tryTake()).toBe(false);
    expect(pacer.msUntilNext()).toBeCloseTo(1, 9);
    clock.time += 5;
    let taken = 0;
    while (pacer.tryTake()) taken++;
    expect(taken).toBe(5);
    expect(clock.delays).toEqual([]);
  });

  it('greedy loops get at most rate × elapsed + burst tokens, and about that many', async () => {
    const clock = new FakeClock();
    const pacer = new QpsPacer(200, clock); // 1 token per 5 ms, burst 20
    const run = startLoops(pacer, 4);
    await flush();
    for (let step = 0; step < 300; step++) {
      await clock.advance(3.7);
      const elapsedS = (step + 1) * 0.0037;
      expect(run.taken).toBeLessThanOrEqual(Math.floor(200 * elapsedS + pacer.burst));
      expect(run.taken).toBeGreaterThanOrEqual(Math.floor(200 * elapsedS));
    }
    // One timer at a time however many loops wait: 4 loops, ~222 tokens, one timer per token.
    expect(clock.timers.size).toBe(1);
    expect(clock.delays.length).toBeLessThanOrEqual(run.taken);
    expect(pacer.waiting).toBe(4);
    pacer.close();
    await run.done;
    expect(clock.timers.size).toBe(0);
  });

  it('a loop that fell behind catches up by at most the burst', async () => {
    const clock = new FakeClock();
    const pacer = new QpsPacer(100, clock); // burst 10
    expect(pacer.tryTake()).toBe(true);
    clock.time += 60_000; // a minute without asking: 6000 tokens missed
    let taken = 0;
    while (pacer.tryTake()) taken++;
    expect(taken).toBe(10);
    // Then the rate again: 1 s gives 100 more, not a burst on top.
    const run = startLoops(pacer, 1);
    await clock.advance(1000);
    expect(run.taken).toBe(100);
    pacer.close();
    await run.done;
  });

  it('serves waiting loops first come first served, one timer each wait', async () => {
    const clock = new FakeClock();
    const pacer = new QpsPacer(10, clock); // 1 token per 100 ms, burst 1
    expect(pacer.tryTake()).toBe(true);
    const order: string[] = [];
    const a = pacer.acquire().then((ok) => order.push(`a:${ok}`));
    const b = pacer.acquire().then((ok) => order.push(`b:${ok}`));
    expect(pacer.tryTake()).toBe(false); // queued loops come first, even once a token is due
    expect(clock.timers.size).toBe(1);
    await clock.advance(100);
    expect(order).toEqual(['a:true']);
    await clock.advance(100);
    expect(order).toEqual(['a:true', 'b:true']);
    await Promise.all([a, b]);
    expect(clock.timers.size).toBe(0);
  });

  it('close wakes every waiting loop with false and clears the timer', async () => {
    const clock = new FakeClock();
    const pacer = new QpsPacer(1, clock);
    expect(pacer.tryTake()).toBe(true);
    const waits = [pacer.acquire(), pacer.acquire(), pacer.acquire()];
    expect(clock.timers.size).toBe(1);
    pacer.close();
    expect(await Promise.all(waits)).toEqual([false, false, false]);
    expect(clock.timers.size).toBe(0);
    expect(await pacer.acquire()).toBe(false);
    clock.time += 10_000;
    expect(pacer.tryTake()).toBe(false);
  });
});
