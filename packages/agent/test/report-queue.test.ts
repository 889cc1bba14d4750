import { describe, expect, it } from 'vitest';
import { ErrorCode, LarsError, MAX_FRAME_BYTES } from '@lars/wire';
import { ReportQueue } from '../src/report-queue.js';

const GRACE = 1_000;
const KB = 1024;

/** A frame of `bytes` bytes whose first byte names it. */
const frame = (id: number, bytes = KB) => Buffer.alloc(bytes, id);

/** Writes every frame the queue lets through; returns their ids, and the connection's byte count after. */
function writeAll(q: ReportQueue, written = 0): { ids: number[]; written: number } {
  const ids: number[] = [];
  let next: Buffer | null;
  while ((next = q.nextToWrite()) !== null) {
    written += next.length;
    ids.push(next[0]);
    q.written(written);
  }
  return { ids, written };
}

/** Every frame held or gone is accounted for exactly once. */
function accounted(q: ReportQueue): number {
  const s = q.stats();
  return s.confirmed + s.overflow + s.dropped + s.unconfirmedFrames + s.queuedFrames;
}

describe('ReportQueue (fake clock)', () => {
  it('confirms a frame only once all its bytes were in the kernel for graceMs with the connection up', () => {
    const q = new ReportQueue({ maxBytes: 1024 * KB, graceMs: GRACE });
    for (let id = 1; id <= 3; id++) q.push(frame(id));
    expect(writeAll(q).ids).toEqual([1, 2, 3]);
    expect(q.stats()).toMatchObject({ queuedFrames: 0, unconfirmedFrames: 3, unconfirmedBytes: 3 * KB });

    // At t=0 the kernel has taken frame 1 and half of frame 2.
    expect(q.progress(KB + KB / 2, 0)).toBe(0);
    // At t=500 all three are there; frame 1's grace runs from t=0, the others' from t=500.
    expect(q.progress(3 * KB, 500)).toBe(0);
    expect(q.progress(3 * KB, GRACE - 1)).toBe(0);
    expect(q.progress(3 * KB, GRACE)).toBe(1);
    expect(q.stats()).toMatchObject({ confirmed: 1, unconfirmedFrames: 2 });
    expect(q.progress(3 * KB, 500 + GRACE)).toBe(2);
    expect(q.stats()).toMatchObject({ confirmed: 3, unconfirmedFrames: 0, unconfirmedBytes: 0, resends: 0 });
    expect(accounted(q)).toBe(3);
  });

  it('puts every unconfirmed frame back ahead of the waiting ones when the connection closes, and counts each rewrite', () => {
    const q = new ReportQueue({ maxBytes: 1024 * KB, graceMs: GRACE });
    for (let id = 1; id <= 4; id++) q.push(frame(id));
    let w = writeAll(q);
    q.progress(w.written, 0);
    q.progress(w.written, GRACE); // 1..4 confirmed
    for (let id = 5; id <= 8; id++) q.push(frame(id));
    w = writeAll(q, w.written);
    expect(w.ids).toEqual([5, 6, 7, 8]);
    // 5 and 6 reached the kernel, 7 and 8 are still in the socket's output; 9 and 10 wait.
    q.progress(w.written - 2 * KB, GRACE + 10);
    q.push(frame(9));
    q.push(frame(10));

    q.connectionLost(); // before 5's grace ran out: nothing of 5..8 is confirmed
    expect(q.stats()).toMatchObject({ confirmed: 4, unconfirmedFrames: 0, queuedFrames: 6, queuedBytes: 6 * KB });
    // The next connection gets them in their original order, 5..8 counted as resends.
    w = writeAll(q);
    expect(w.ids).toEqual([5, 6, 7, 8, 9, 10]);
    expect(q.stats().resends).toBe(4);

    // Lost again before anything was confirmed: 5..8 are resent a second time, 9 and 10 once.
    q.connectionLost();
    expect(writeAll(q).ids).toEqual([5, 6, 7, 8, 9, 10]);
    expect(q.stats().resends).toBe(10);
    q.progress(w.written, 5_000);
    q.progress(w.written, 5_000 + GRACE);
    expect(q.stats()).toMatchObject({ confirmed: 10, unconfirmedFrames: 0, queuedFrames: 0, resends: 10 });
    expect(accounted(q)).toBe(10);
  });

  it('keeps within maxBytes by dropping the oldest waiting frames, never a written one, and counts them', () => {
    const maxBytes = 4 * MAX_FRAME_BYTES;
    const q = new ReportQueue({ maxBytes, graceMs: GRACE });
    const big = MAX_FRAME_BYTES - 35; // four fit in maxBytes, three in the unconfirmed window
    for (let id = 1; id <= 3; id++) q.push(frame(id, big));
    // Writing stops while unconfirmed bytes + the next frame would pass maxBytes - MAX_FRAME_BYTES.
    expect(writeAll(q).ids).toEqual([1, 2, 3]);
    expect(q.nextToWrite()).toBeNull();
    q.push(frame(4, big));
    expect(q.nextToWrite()).toBeNull(); // 4 waits: no room in the window
    // 5 needs room: only 4 (waiting) may go, not 1..3 (written, unconfirmed).
    expect(q.push(frame(5, big))).toBe(1);
    expect(q.push(frame(6, big))).toBe(1);
    expect(q.stats()).toMatchObject({ overflow: 2, unconfirmedFrames: 3, queuedFrames: 1 });
    expect(q.stats().queuedBytes + q.stats().unconfirmedBytes).toBeLessThanOrEqual(maxBytes);

    // 1..3 confirmed: the window opens and 6, the newest, is written.
    q.progress(3 * big, 0);
    q.progress(3 * big, GRACE);
    expect(writeAll(q, 3 * big).ids).toEqual([6]);
    expect(q.stats()).toMatchObject({ confirmed: 3, overflow: 2, unconfirmedFrames: 1, queuedFrames: 0 });
    expect(accounted(q)).toBe(6);
  });

  it('a lost connection puts back frames that then may overflow like any waiting frame', () => {
    const q = new ReportQueue({ maxBytes: 2 * MAX_FRAME_BYTES, graceMs: GRACE });
    const big = MAX_FRAME_BYTES - 35;
    q.push(frame(1, big));
    expect(writeAll(q).ids).toEqual([1]);
    q.connectionLost();
    q.push(frame(2, big));
    expect(q.push(frame(3, big))).toBe(1); // 1, waiting again, is the oldest waiting
    expect(writeAll(q).ids).toEqual([2]);
    expect(q.stats()).toMatchObject({ overflow: 1, resends: 0, unconfirmedFrames: 1, queuedFrames: 1 });
    expect(accounted(q)).toBe(3);
  });

  it('drop() counts the waiting frames as dropped and lets the written ones go', () => {
    const q = new ReportQueue({ maxBytes: 1024 * KB, graceMs: GRACE });
    for (let id = 1; id <= 2; id++) q.push(frame(id));
    writeAll(q);
    for (let id = 3; id <= 5; id++) q.push(frame(id));
    expect(q.drop()).toEqual({ dropped: 3, unconfirmed: 2 });
    expect(q.stats()).toMatchObject({ dropped: 3, queuedFrames: 0, unconfirmedFrames: 0, queuedBytes: 0 });
  });

  it('validates its options with the agent option names', () => {
    const bad = (fn: () => unknown, field: string) => {
      try {
        fn();
      } catch (err) {
        expect(err).toBeInstanceOf(LarsError);
        expect((err as LarsError).code).toBe(ErrorCode.BAD_OPTION);
        expect((err as Error).message).toContain(field);
        return;
      }
      throw new Error(`no error for ${field}`);
    };
    bad(() => new ReportQueue({ maxBytes: 2 * MAX_FRAME_BYTES - 1, graceMs: 0 }), 'reportQueueBytes');
    bad(() => new ReportQueue({ maxBytes: 1024 * KB, graceMs: -1 }), 'reportGraceMs');
    expect(new ReportQueue({ maxBytes: 2 * MAX_FRAME_BYTES, graceMs: 0 }).graceMs).toBe(0);
  });
});
