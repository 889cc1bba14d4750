import type { HistogramSnapshot } from '@lars/reactor';
import { checkOption, ErrorCode, LarsError } from '@lars/wire';

/** Float64 slots of one row: the buckets (+Inf too) and the sum, rounded up to 64 bytes. */
const rowSlots = (bounds: readonly number[]): number => Math.ceil((bounds.length + 2) / 8) * 8;

/**
 * A histogram over fixed bounds that the reporter's writer threads record
 * into (one row each) and the main thread reads at scrape time, without
 * messages. The reactor's SharedHistogram does not fit: its buckets are fixed
 * at 1 µs .. 134 ms in nanoseconds, while a batch upsert takes 0.5 ms to
 * seconds, and rows per batch is not a duration at all. This one takes its
 * bounds from the metric list (reporter-metrics.ts).
 *
 * Row layout (Float64): one count per bucket (bounds.length finite ones, then
 * +Inf), then the sum of the recorded values, padded to a multiple of 64
 * bytes so two writers never share a cache line.
 *
 * Invariant: each row has exactly ONE writing thread, so plain Float64Array
 * stores lose no update and tear no value (aligned TypedArray accesses are
 * tear-free); a reader sees each slot only grow. Across slots a concurrent
 * read may be off by the one value being recorded; `count` is the sum of
 * `counts`, so those two always agree. A writer records once per batch,
 * never per request: a linear bucket search over a dozen bounds is free.
 */
export class WriterHistogram {
  readonly buffer: SharedArrayBuffer;
  readonly bounds: readonly number[];
  readonly rows: number;
  private readonly slots: Float64Array;
  /** Float64 slots per row. */
  private readonly stride: number;

  private constructor(buffer: SharedArrayBuffer, bounds: readonly number[]) {
    checkOption(
      bounds.length > 0 && bounds.every((b, i) => Number.isFinite(b) && (i === 0 || b > bounds[i - 1])),
      'bounds',
      'must be finite, ascending and not empty',
    );
    this.stride = rowSlots(bounds);
    checkOption(
      buffer.byteLength > 0 && buffer.byteLength % (this.stride * 8) === 0,
      'buffer',
      `must be a WriterHistogram's buffer over ${bounds.length} bounds (a multiple of ${this.stride * 8} bytes)`,
    );
    this.buffer = buffer;
    this.bounds = bounds;
    this.slots = new Float64Array(buffer);
    this.rows = this.slots.length / this.stride;
  }

  /** An empty histogram over `bounds` with one row per writer. */
  static create(rows: number, bounds: readonly number[]): WriterHistogram {
    checkOption(Number.isInteger(rows) && rows >= 1, 'rows', 'must be an integer >= 1');
    return new WriterHistogram(new SharedArrayBuffer(rows * rowSlots(bounds) * 8), bounds);
  }

  /** The same histogram on a writer thread: its `buffer` and the same bounds. */
  static attach(buffer: SharedArrayBuffer, bounds: readonly number[]): WriterHistogram {
    return new WriterHistogram(buffer, bounds);
  }

  /**
   * Adds `value` to `row`, only from that row's writer: to the first bucket
   * whose bound is >= it (bounds are inclusive, as Prometheus's `le`), or to
   * +Inf above the last bound.
   */
  record(row: number, value: number): void {
    if (row >>> 0 !== row || row >= this.rows) {
      throw new LarsError(
        ErrorCode.BAD_OPTION,
        `WriterHistogram row must be an integer 0..${this.rows - 1}, got ${row}`,
      );
    }
    let bucket = 0;
    while (bucket < this.bounds.length && value > this.bounds[bucket]) bucket++;
    const base = row * this.stride;
    this.slots[base + bucket] += 1;
    this.slots[base + this.bounds.length + 1] += value;
  }

  /** Every row summed (what `/metrics` exposes: the daemon's batches, whichever writer wrote them). */
  snapshot(): HistogramSnapshot {
    const buckets = this.bounds.length + 1;
    const counts = new Array<number>(buckets).fill(0);
    let sum = 0;
    for (let r = 0; r < this.rows; r++) {
      const base = r * this.stride;
      for (let b = 0; b < buckets; b++) counts[b] += this.slots[base + b];
      sum += this.slots[base + buckets];
    }
    return { bounds: [...this.bounds], counts, sum, count: counts.reduce((a, b) => a + b, 0) };
  }
}
