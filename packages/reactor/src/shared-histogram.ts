import { ErrorCode, LarsError, checkOption } from '@lars/wire';

/** The finite buckets' upper bounds are 2^FIRST_EXPONENT .. 2^LAST_EXPONENT ns (1.024 µs .. 134 ms). */
const FIRST_EXPONENT = 10;
const LAST_EXPONENT = 27;
const FIRST_NS = 2 ** FIRST_EXPONENT;
const LAST_NS = 2 ** LAST_EXPONENT;
/** Finite buckets plus the +Inf one. */
const BUCKETS = LAST_EXPONENT - FIRST_EXPONENT + 2;
const INF_BUCKET = BUCKETS - 1;
const NS_PER_SECOND = 1e9;
/** Row layout: one count per bucket, then the sum of the recorded values, padded to 64 bytes so two writing threads never share a cache line. */
const rowSlots = (buckets: number): number => Math.ceil((buckets + 1) / 8) * 8;

/** Upper bounds of the finite buckets in seconds (the +Inf bucket has none). */
const BOUNDS_SECONDS: readonly number[] = Object.freeze(
  Array.from({ length: BUCKETS - 1 }, (_, i) => 2 ** (FIRST_EXPONENT + i) / NS_PER_SECOND),
);

/** A histogram as Prometheus takes it, except that `counts` are per bucket, not cumulative. */
export interface HistogramSnapshot {
  /** Upper bounds (inclusive) of the finite buckets, in seconds, ascending. */
  bounds: number[];
  /** One count per bucket: bounds.length + 1 of them, the last one for values above every bound (+Inf). */
  counts: number[];
  /** Sum of the recorded values, in seconds. */
  sum: number;
  /** Number of recorded values (the sum of `counts`). */
  count: number;
}

/** The total over every row, and each row on its own (index = row). */
export interface SharedHistogramSnapshot extends HistogramSnapshot {
  rows: HistogramSnapshot[];
}

/**
 * A histogram that worker threads record into and the main thread reads,
 * without messages: one row per writing thread in a SharedArrayBuffer, and a
 * +Inf bucket above the finite ones. Two layouts:
 * - the default, for latencies: values in nanoseconds, bucket bounds 2^10 ..
 *   2^27 ns (about 1 µs to 134 ms, each twice the previous), snapshots in
 *   seconds; record() finds its bucket with Math.clz32 in O(1), for hot paths
 *   (the agent's get_host);
 * - `bounds` given: values and snapshots in the bounds' own unit (seconds of a
 *   batch write, rows per batch), bucket found by a linear search: for
 *   something recorded once per batch, never per request.
 * record() allocates nothing and takes no lock.
 *
 * Invariant: each row has exactly ONE writing thread (a worker records only
 * into its own row). That is why plain, non-atomic Float64Array stores are
 * safe enough here:
 * - no update is lost: only one thread ever does the read-modify-write of a slot;
 * - no value is torn: ECMAScript makes an aligned TypedArray element access
 *   tear-free (its [[NoTear]] is true), so a reader sees either the old or the
 *   new 8-byte value of a slot, never a mix;
 * - a slot only grows, so every value a reader can see is one the slot held:
 *   successive snapshots of a bucket never go down;
 * - what is NOT promised is consistency across slots: a snapshot taken while a
 *   row is written may see a bucket's increment before the sum's (or the other
 *   way round). For monitoring that is off by at most one in-flight value per
 *   row, and `count` is derived from the buckets so it always matches `counts`.
 * Float64 counts are exact up to 2^53 records per bucket.
 */
export class SharedHistogram {
  /** Upper bounds of the default layout's finite buckets, in seconds. */
  static readonly BOUNDS_SECONDS = BOUNDS_SECONDS;
  readonly buffer: SharedArrayBuffer;
  readonly rows: number;
  /** Upper bounds of the finite buckets, in the unit of the snapshots. */
  readonly bounds: readonly number[];
  private readonly slots: Float64Array;
  /** The given bounds (searched linearly), or null for the default power-of-two nanosecond layout. */
  private readonly custom: readonly number[] | null;
  /** Finite buckets plus +Inf; the sum's slot follows them. */
  private readonly buckets: number;
  private readonly stride: number;
  /** Recorded unit -> snapshot unit (ns -> s for the default layout). */
  private readonly scale: number;

  private constructor(buffer: SharedArrayBuffer, bounds: readonly number[] | undefined) {
    if (bounds !== undefined) {
      checkOption(
        bounds.length > 0 && bounds.every((b, i) => Number.isFinite(b) && (i === 0 || b > bounds[i - 1])),
        'bounds',
        'must be finite, ascending and not empty',
      );
    }
    this.custom = bounds === undefined ? null : [...bounds];
    this.bounds = this.custom ?? BOUNDS_SECONDS;
    this.buckets = this.bounds.length + 1;
    this.stride = rowSlots(this.buckets);
    this.scale = bounds === undefined ? 1 / NS_PER_SECOND : 1;
    const over = bounds === undefined ? '' : ` over ${bounds.length} bounds`;
    checkOption(
      buffer.byteLength > 0 && buffer.byteLength % (this.stride * 8) === 0,
      'buffer',
      `must be a SharedHistogram's buffer${over} (a multiple of ${this.stride * 8} bytes)`,
    );
    this.buffer = buffer;
    this.slots = new Float64Array(buffer);
    this.rows = this.slots.length / this.stride;
  }

  /** An empty histogram with `rows` rows (one per writing thread); the default layout unless `bounds` are given. */
  static create(rows: number, bounds?: readonly number[]): SharedHistogram {
    checkOption(Number.isInteger(rows) && rows >= 1, 'rows', 'must be an integer >= 1');
    const buckets = (bounds?.length ?? BOUNDS_SECONDS.length) + 1;
    return new SharedHistogram(new SharedArrayBuffer(rows * rowSlots(buckets) * 8), bounds);
  }

  /** The same histogram on another thread: its `buffer` and the same `bounds`. */
  static attach(buffer: SharedArrayBuffer, bounds?: readonly number[]): SharedHistogram {
    return new SharedHistogram(buffer, bounds);
  }

  /**
   * Adds one value to `row`, only from that row's writing thread: nanoseconds
   * in the default layout, the bounds' unit otherwise. A value goes to the
   * first bucket whose bound is >= it (values at or below the first bound,
   * and NaN, to the first), above the last bound to +Inf. A negative or NaN
   * value adds 0 to the sum.
   */
  record(row: number, value: number): void {
    if (row >>> 0 !== row || row >= this.rows) this.badRow(row);
    const base = row * this.stride;
    let bucket: number;
    const custom = this.custom;
    if (custom !== null) {
      bucket = 0;
      while (bucket < custom.length && value > custom[bucket]) bucket++;
    } else if (value > LAST_NS) bucket = INF_BUCKET;
    else if (value > FIRST_NS) {
      // ceil(v) - 1 is in [2^10, 2^27); 32 - clz32 of it is e with 2^(e-1) < v <= 2^e, and bucket e - 10 has bound 2^e.
      bucket = 32 - FIRST_EXPONENT - Math.clz32(Math.ceil(value) - 1);
    } else bucket = 0;
    const slots = this.slots;
    slots[base + bucket] += 1;
    if (value > 0) slots[base + this.buckets] += value;
  }

  /** One row as it stands (see the class comment for what a concurrent read sees). */
  rowSnapshot(row: number): HistogramSnapshot {
    if (row >>> 0 !== row || row >= this.rows) this.badRow(row);
    const base = row * this.stride;
    const counts = Array.from(this.slots.subarray(base, base + this.buckets));
    return {
      bounds: [...this.bounds],
      counts,
      sum: this.slots[base + this.buckets] * this.scale,
      count: counts.reduce((a, b) => a + b, 0),
    };
  }

  /** The rows summed, and each row (read once each: the total is the sum of the rows returned). */
  snapshot(): SharedHistogramSnapshot {
    const rows = Array.from({ length: this.rows }, (_, r) => this.rowSnapshot(r));
    const counts = new Array<number>(this.buckets).fill(0);
    let sum = 0;
    for (const r of rows) {
      for (let b = 0; b < this.buckets; b++) counts[b] += r.counts[b];
      sum += r.sum;
    }
    return { bounds: [...this.bounds], counts, sum, count: counts.reduce((a, b) => a + b, 0), rows };
  }

  /** The rows summed, without the rows (what a daemon exposes when the writing thread does not matter). */
  total(): HistogramSnapshot {
    const { rows: _rows, ...total } = this.snapshot();
    return total;
  }

  private badRow(row: number): never {
    throw new LarsError(ErrorCode.BAD_OPTION, `SharedHistogram row must be an integer 0..${this.rows - 1}, got ${row}`);
  }
}
