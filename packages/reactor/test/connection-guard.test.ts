import { describe, expect, it } from 'vitest';
import {
  PerAddressCount,
  SweepVerdict,
  TCP_GUARD_METRICS,
  displacementVictim,
  newGuardCounters,
  sweepVerdict,
} from '../src/connection-guard.js';
import type { GuardedConnection } from '../src/connection-guard.js';

const conn = (over: Partial<GuardedConnection>): GuardedConnection => ({
  id: 1,
  closed: false,
  lastDataAt: 0,
  partialSince: -1,
  lastValidAt: -1,
  ...over,
});

describe('sweepVerdict', () => {
  it('closes a connection holding an incomplete frame for frameTimeoutMs, not one ms earlier', () => {
    const c = conn({ partialSince: 1000, lastDataAt: 5000 });
    expect(sweepVerdict(c, 10_999, 10_000, 0)).toBe(SweepVerdict.KEEP);
    expect(sweepVerdict(c, 11_000, 10_000, 0)).toBe(SweepVerdict.FRAME_TIMEOUT);
  });

  it('never closes for silence alone while connIdleTimeoutMs is 0', () => {
    const silent = conn({ lastDataAt: 0, lastValidAt: -1 });
    expect(sweepVerdict(silent, 365 * 86_400_000, 10_000, 0)).toBe(SweepVerdict.KEEP);
  });

  it('closes a silent connection after connIdleTimeoutMs when that is on', () => {
    const c = conn({ lastDataAt: 100, lastValidAt: 100 });
    expect(sweepVerdict(c, 60_099, 10_000, 60_000)).toBe(SweepVerdict.KEEP);
    expect(sweepVerdict(c, 60_100, 10_000, 60_000)).toBe(SweepVerdict.IDLE);
  });

  it('reports a stalled frame as a frame timeout even when the idle timeout has passed too', () => {
    const c = conn({ lastDataAt: 0, partialSince: 0 });
    expect(sweepVerdict(c, 100_000, 10_000, 60_000)).toBe(SweepVerdict.FRAME_TIMEOUT);
  });
});

describe('displacementVictim', () => {
  it('picks the longest-silent connection that never sent a valid frame', () => {
    const conns = [
      conn({ id: 1, lastDataAt: 10, lastValidAt: 10 }),
      conn({ id: 2, lastDataAt: 50 }),
      conn({ id: 3, lastDataAt: 20 }),
      conn({ id: 4, lastDataAt: 5, closed: true }),
      conn({ id: 5, lastDataAt: 20 }),
    ];
    // 1 has sent a valid frame, 4 is already closing; 3 and 5 tie: the older (first) one goes.
    expect(displacementVictim(conns)?.id).toBe(3);
  });

  it('is null when every open connection has sent a valid frame', () => {
    expect(displacementVictim([conn({ id: 1, lastValidAt: 0 }), conn({ id: 2, lastValidAt: 7 })])).toBeNull();
    expect(displacementVictim([])).toBeNull();
  });
});

describe('PerAddressCount', () => {
  it('bounds each address separately and forgets an address at 0', () => {
    const count = new PerAddressCount(2);
    expect([count.tryAdd('a'), count.tryAdd('a'), count.tryAdd('a'), count.tryAdd('b')]).toEqual([
      true,
      true,
      false,
      true,
    ]);
    expect([count.count('a'), count.count('b'), count.addresses]).toEqual([2, 1, 2]);
    count.release('a');
    expect(count.tryAdd('a')).toBe(true);
    count.release('b');
    count.release('b');
    expect([count.count('b'), count.addresses]).toEqual([0, 1]);
  });
});

describe('TCP_GUARD_METRICS', () => {
  it('describes every guard counter', () => {
    expect(Object.keys(TCP_GUARD_METRICS).sort()).toEqual(Object.keys(newGuardCounters()).sort());
  });
});
