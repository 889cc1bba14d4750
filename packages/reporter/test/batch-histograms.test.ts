// The reporter's batch histograms: SharedHistograms over the metric list's bounds, one row per writer, summed at scrape time.
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '@lars/wire';
import { SharedHistogram } from '@lars/reactor';
import { BATCH_ROWS_BOUNDS, BATCH_WRITE_SECONDS_BOUNDS, REPORTER_METRICS } from '../src/internal.js';

describe('SharedHistogram over given bounds (the reporter batch histograms)', () => {
  it('puts a value in the first bucket whose bound is >= it, +Inf above the last, and sums every row', () => {
    const h = SharedHistogram.create(2, [1, 2, 4]);
    h.record(0, 0.5);
    h.record(0, 1);
    h.record(1, 3);
    h.record(1, 4);
    h.record(1, 9);
    expect(h.total()).toEqual({ bounds: [1, 2, 4], counts: [2, 0, 2, 1], sum: 17.5, count: 5 });
  });

  it('is shared through its buffer: what one view records, another attached to it reads', () => {
    const main = SharedHistogram.create(3, BATCH_ROWS_BOUNDS);
    const writer = SharedHistogram.attach(main.buffer, BATCH_ROWS_BOUNDS);
    writer.record(2, 256);
    writer.record(2, 5000);
    const s = main.snapshot();
    expect(s.count).toBe(2);
    expect(s.counts[BATCH_ROWS_BOUNDS.indexOf(256)]).toBe(1);
    expect(s.counts[BATCH_ROWS_BOUNDS.length]).toBe(1);
  });

  it('refuses a row it does not have, bad bounds, and a buffer made over other bounds', () => {
    const h = SharedHistogram.create(2, [1, 2]);
    expect(() => h.record(2, 1)).toThrow(expect.objectContaining({ code: ErrorCode.BAD_OPTION }));
    expect(() => h.record(-1, 1)).toThrow('row must be an integer 0..1, got -1');
    expect(() => SharedHistogram.create(1, [2, 1])).toThrow('bounds');
    expect(() => SharedHistogram.create(0, [1])).toThrow('rows');
    // One row over 2 bounds is 64 bytes; a row over 14 bounds is 128.
    expect(() => SharedHistogram.attach(h.buffer.slice(0, 64), BATCH_WRITE_SECONDS_BOUNDS)).toThrow(
      "must be a SharedHistogram's buffer over 14 bounds",
    );
  });

  it('has the bounds the metric list names: 0.5 ms .. 10 s per batch, 1 .. 4096 rows', () => {
    expect(BATCH_WRITE_SECONDS_BOUNDS[0]).toBe(0.0005);
    expect(BATCH_WRITE_SECONDS_BOUNDS.at(-1)).toBe(10);
    expect(BATCH_ROWS_BOUNDS).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096]);
    expect(REPORTER_METRICS.batchWriteSeconds.help).toContain('0.0005 s .. 10 s');
    expect(REPORTER_METRICS.batchRows.help).toContain('1 .. 4096');
  });
});
