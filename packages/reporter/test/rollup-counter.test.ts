import type { CallStatusRow, RollupRow } from '@lars/store';
import { describe, expect, it } from 'vitest';
import { RollupCounter } from '../src/rollup-counter.js';

const T0 = 1_700_000_040; // a bucket start with 60 s buckets
/** A snapshot row of host 10.0.0.1:80 of route (1, 1), from `caller`. */
function snap(ts: number, succ: number, err: number, overload = false, caller = 7): CallStatusRow {
  return [1, 1, 167772161, 80, caller, succ, err, ts, overload ? '1' : '0'];
}
/** Total succ and err per (caller, minute) of rollup rows. */
function totals(rows: readonly RollupRow[]): Record<string, [number, number]> {
  const out: Record<string, [number, number]> = {};
  for (const r of rows) {
    const k = `${r[4]}@${r[5]}`;
    const t = (out[k] ??= [0, 0]);
    t[0] += r[6];
    t[1] += r[7];
  }
  return out;
}

describe('RollupCounter', () => {
  it('counts the calls between snapshots of one window, into the bucket of the snapshot that showed them', () => {
    const c = new RollupCounter({ intervalS: 60 });
    const rows = c.count([snap(T0, 3, 1), snap(T0 + 30, 10, 2), snap(T0 + 61, 12, 2)], 0);
    expect(totals(rows)).toEqual({ [`7@${T0}`]: [10, 2], [`7@${T0 + 60}`]: [2, 0] });
  });

  it('counts a resent snapshot once: the same one again, in the same batch or a later one', () => {
    const c = new RollupCounter();
    const first = c.count([snap(T0, 5, 0), snap(T0, 5, 0), snap(T0 + 1, 8, 1)], 0);
    // The agent resends what it could not confirm, in order: both seen before.
    const resent = c.count([snap(T0, 5, 0), snap(T0 + 1, 8, 1), snap(T0 + 2, 9, 1)], 0);
    expect(totals([...first, ...resent])).toEqual({ [`7@${T0}`]: [9, 1] });
    expect(c.counts).toEqual({ accepted: 3, duplicates: 2, older: 1, resets: 0 });
  });

  it('ignores a reordered older snapshot: its calls are in the later one of its window', () => {
    const c = new RollupCounter();
    const rows = c.count([snap(T0, 2, 0), snap(T0 + 5, 9, 3), snap(T0 + 3, 6, 1), snap(T0 + 6, 10, 3)], 0);
    expect(totals(rows)).toEqual({ [`7@${T0}`]: [10, 3] });
    expect(c.counts.older).toBe(1);
  });

  it('counts a window reset (counts going down) from zero, also within one second', () => {
    const c = new RollupCounter();
    // Window 1 ends at 10/1 (the agent's snapshot before the reset), window 2 restarts: 2/0, then 4/0 in the same second.
    const rows = c.count([snap(T0, 6, 1), snap(T0 + 1, 10, 1), snap(T0 + 1, 2, 0), snap(T0 + 1, 4, 0)], 0);
    expect(totals(rows)).toEqual({ [`7@${T0}`]: [14, 1] });
    expect(c.counts.resets).toBe(1);
    // A resend of the window-1 final after window 2 moved on, same second: a duplicate, not a reset.
    expect(c.count([snap(T0 + 1, 10, 1)], 0)).toEqual([]);
    expect(c.counts.duplicates).toBe(1);
  });

  it('takes an overload flip as a reset even when the counts do not go down', () => {
    const c = new RollupCounter();
    const rows = c.count([snap(T0, 1, 4), snap(T0 + 1, 3, 5, true)], 0);
    expect(totals(rows)).toEqual({ [`7@${T0}`]: [4, 9] });
  });

  it('keeps callers apart', () => {
    const c = new RollupCounter();
    const rows = c.count([snap(T0, 5, 0, false, 7), snap(T0, 5, 0, false, 8), snap(T0 + 1, 6, 0, false, 8)], 0);
    expect(totals(rows)).toEqual({ [`7@${T0}`]: [5, 0], [`8@${T0}`]: [6, 0] });
  });

  it('starts a seeded stream from its stored row, and a stream with none from zero', () => {
    const c = new RollupCounter();
    const a = snap(T0 + 2, 12, 1);
    const b = snap(T0 + 2, 3, 0, false, 8);
    const missing = c.missing([a, b, a]);
    expect(missing).toEqual([
      [1, 1, 167772161, 80, 7],
      [1, 1, 167772161, 80, 8],
    ]);
    // Another reporter already stored 10/1 at T0 + 1 for caller 7.
    c.seed(missing, [snap(T0 + 1, 10, 1)], 0);
    expect(totals(c.count([a, b], 0))).toEqual({ [`7@${T0}`]: [2, 0], [`8@${T0}`]: [3, 0] });
    // A resend of the stored snapshot counts nothing.
    expect(c.count([snap(T0 + 1, 10, 1)], 0)).toEqual([]);
    expect(c.missing([a, b])).toEqual([]);
  });

  it('addKnown stops at the first stream without state and, seeded, goes on from there as add() would', () => {
    const a = snap(T0 + 2, 12, 1);
    const b = snap(T0 + 2, 3, 0, false, 8);
    const batch = [snap(T0 + 1, 10, 1), a, b, snap(T0 + 3, 5, 0, false, 8)];
    const ref = new RollupCounter();
    ref.seed([[1, 1, 167772161, 80, 7]], [snap(T0, 4, 0)], 0);
    ref.seed(ref.missing(batch), [], 0);
    ref.add(batch, 0);
    const c = new RollupCounter();
    c.seed([[1, 1, 167772161, 80, 7]], [snap(T0, 4, 0)], 0);
    const at = c.addKnown(batch, 0);
    expect(at).toBe(2);
    const missing = c.missing(batch.slice(at));
    expect(missing).toEqual([[1, 1, 167772161, 80, 8]]);
    c.seed(missing, [], 0);
    expect(c.addKnown(batch, 0, at)).toBe(batch.length);
    expect(c.takeRows(0)).toEqual(ref.takeRows(0));
    expect(c.counts).toEqual(ref.counts);
  });

  it('remembers up to 8 snapshots of one second as resends, the oldest forgotten first', () => {
    const c = new RollupCounter();
    const same = Array.from({ length: 9 }, (_, i) => snap(T0, 9 - i, 0));
    // Each a reset (the counts go down) within one second.
    c.count(same, 0);
    expect(c.counts.resets).toBe(8);
    // The last 8 are remembered: resent, they count nothing. The first (9/0) fell out: it is accepted
    // again, counting the 8 calls above the last one (1/0).
    expect(c.count(same.slice(1), 0)).toEqual([]);
    expect(c.counts.duplicates).toBe(8);
    expect(totals(c.count([same[0]], 0))).toEqual({ [`7@${T0}`]: [8, 0] });
  });

  it('forgets streams unseen for stateTtlMs', () => {
    const c = new RollupCounter({ stateTtlMs: 1000 });
    c.count([snap(T0, 1, 0, false, 7)], 0);
    c.count([snap(T0, 1, 0, false, 8)], 600);
    expect(c.size).toBe(2);
    c.count([snap(T0 + 1, 2, 0, false, 8)], 1200);
    expect(c.size).toBe(1);
    expect(c.missing([snap(T0 + 2, 3, 0, false, 7)])).toHaveLength(1);
  });

  it('writes an overloaded bucket even without new calls, and nothing for an idle one', () => {
    const c = new RollupCounter();
    expect(c.count([snap(T0, 0, 0)], 0)).toEqual([]);
    expect(c.count([snap(T0 + 1, 0, 0, true)], 0)).toEqual([[1, 1, 167772161, 80, 7, T0, 0, 0, '1']]);
  });

  it('adds up batches until takeRows: one row per stream and bucket, a bucket moved past kept too', () => {
    const c = new RollupCounter({ intervalS: 60 });
    c.add([snap(T0, 1, 0)], 0);
    c.add([snap(T0 + 1, 4, 0)], 0);
    c.add([snap(T0 + 60, 6, 1), snap(T0 + 61, 7, 1)], 0);
    expect(c.pendingRows).toBe(2);
    expect(c.takeRows(0)).toEqual([
      [1, 1, 167772161, 80, 7, T0, 4, 0, '0'],
      [1, 1, 167772161, 80, 7, T0 + 60, 3, 1, '0'],
    ]);
    expect(c.takeRows(0)).toEqual([]);
  });

  it('refuses a bucket width that is not a whole number of seconds >= 1', () => {
    expect(() => new RollupCounter({ intervalS: 0.5 })).toThrow(/intervalS/);
  });
});
