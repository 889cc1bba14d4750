import { ErrorCode } from '@lars/wire';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PullPacer } from '../src/pull-pacer.js';

/** A sender that records what it sends and refuses while `refuse` is set. */
function sender() {
  const sent: string[] = [];
  const state = { refuse: false, refusals: 0 };
  const send = (modid: number, cmdid: number) => {
    if (state.refuse) {
      state.refusals++;
      return false;
    }
    sent.push(`${modid}/${cmdid}`);
    return true;
  };
  return { sent, state, send };
}

describe('PullPacer', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  // 10 a second, drained every 100 ms: one pull per tick.
  const paced = (send: (m: number, c: number) => boolean) =>
    new PullPacer(send, { ratePerSecond: 10, tickMs: 100, now: () => Date.now() });

  it('sends at once while the rate allows, then at ratePerSecond, in arrival order', () => {
    const { sent, send } = sender();
    const pacer = paced(send);
    for (let k = 0; k < 25; k++) pacer.add(k, 0);
    expect(sent).toEqual(['0/0']);
    expect(pacer.pending).toBe(24);
    vi.advanceTimersByTime(1000);
    expect(sent).toHaveLength(11);
    expect(pacer.pending).toBe(14);
    vi.advanceTimersByTime(1400);
    expect(sent).toEqual(Array.from({ length: 25 }, (_, k) => `${k}/0`));
    expect(pacer.pending).toBe(0);
    // Nothing waits: no timer left running.
    expect(vi.getTimerCount()).toBe(0);
    pacer.close();
  });

  it('sends a key pulled again while it waits once', () => {
    const { sent, send } = sender();
    const pacer = paced(send);
    pacer.add(1, 1);
    pacer.add(2, 2);
    pacer.add(2, 2);
    pacer.add(3, 3);
    pacer.add(2, 2);
    expect(pacer.pending).toBe(2);
    vi.advanceTimersByTime(1000);
    expect(sent).toEqual(['1/1', '2/2', '3/3']);
    pacer.close();
  });

  it('keeps a refused pull first in line and retries it every tick until it goes out', () => {
    const { sent, state, send } = sender();
    const pacer = paced(send);
    state.refuse = true;
    pacer.add(1, 0);
    pacer.add(2, 0);
    pacer.add(3, 0);
    expect(pacer.pending).toBe(3);
    vi.advanceTimersByTime(500);
    // One try at add (nothing waited yet), then one per tick: each drain stops at the first refusal.
    expect(state.refusals).toBe(6);
    expect(pacer.pending).toBe(3);
    state.refuse = false;
    vi.advanceTimersByTime(300);
    expect(sent).toEqual(['1/0', '2/0', '3/0']);
    expect(pacer.pending).toBe(0);
    pacer.close();
  });

  it('a new key queues behind the ones waiting, never ahead', () => {
    const { sent, send } = sender();
    const pacer = paced(send);
    pacer.add(1, 0);
    pacer.add(2, 0);
    vi.advanceTimersByTime(150);
    pacer.add(3, 0);
    expect(sent).toEqual(['1/0', '2/0']);
    vi.advanceTimersByTime(100);
    expect(sent).toEqual(['1/0', '2/0', '3/0']);
    pacer.close();
  });

  it('clear forgets what waits and stops its timer; close makes add a no-op', () => {
    const { sent, send } = sender();
    const pacer = paced(send);
    for (let k = 0; k < 5; k++) pacer.add(k, 0);
    expect(pacer.clear()).toBe(4);
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(1000);
    expect(sent).toEqual(['0/0']);
    pacer.close();
    pacer.add(9, 9);
    expect(pacer.pending).toBe(0);
    expect(sent).toEqual(['0/0']);
  });

  it('rejects a bad rate or tick', () => {
    const { send } = sender();
    expect(() => new PullPacer(send, { ratePerSecond: 0 })).toThrow(
      expect.objectContaining({ code: ErrorCode.BAD_OPTION }),
    );
    expect(() => new PullPacer(send, { ratePerSecond: Number.NaN })).toThrow(/ratePerSecond/);
    expect(() => new PullPacer(send, { tickMs: 0 })).toThrow(/tickMs/);
  });
});
