import { ErrorCode, LarsError, checkOption } from '@lars/wire';

/** The finite buckets' upper bounds are 2^FIRST_EXPONENT .. 2^LAST_EXPONENT ns (1.024 µs .. 134 ms). */
const FIRST_EXPONENT = 10;
const LAST_EXPONENT = 27;
const FIRST_NS = 2 ** FIRST_EXPONENT;
const LAST_NS = 2 ** LAST_EXPONENT;
/** Finite buckets plus the +Inf one. */
const BUCKETS = LAST_EXPONENT - FIRST_EXPONENT + 2;
const INF_BUCKET = BUCKETS - 1;
/** Row layout: BUCKETS counts, then the sum of the recorded values (ns), then padding. */
const SUM_SLOT = BUCKETS;
/** Slots per row, rounded up to 64 bytes so two writing threads never share a cache line. */
const ROW_SLOTS = Math.ceil((BUCKETS + 1) / 8) * 8;
const NS_PER_SECOND = 1e9;

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
 * A latency histogram that worker threads record into and the main thread
 * reads, without messages: one row per writing thread in a SharedArrayBuffer,
 * log-spaced buckets with upper bounds 2^10 .. 2^27 ns (about 1 µs to 134 ms,
 * each twice the previous) and a +Inf bucket. record() finds its bucket with
 * Math.clz32 in O(1), allocates nothing and takes no lock.
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
  /** Upper bounds of the finite buckets in seconds. */
  static readonly BOUNDS_SECONDS = BOUNDS_SECONDS;
  readonly buffer: SharedArrayBuffer;
  readonly rows: number;
  private readonly slots: Float64Array;

  private constructor(buffer: SharedArrayBuffer) {
    checkOption(
      buffer.byteLength > 0 && buffer.byteLength % (ROW_SLOTS * 8) === 0,
      'buffer',
      `must be a SharedHistogram's buffer (a multiple of ${ROW_SLOTS * 8} bytes)`,
    );
    this.buffer = buffer;
    this.slots = new Float64Array(buffer);
    this.rows = this.slots.length / ROW_SLOTS;
  }

  /** An empty histogram with `rows` rows (one per writing thread). */
  static create(rows: number): SharedHistogram {
    checkOption(Number.isInteger(rows) && rows >= 1, 'rows', 'must be an integer >= 1');
    return new SharedHistogram(new SharedArrayBuffer(rows * ROW_SLOTS * 8));
  }

  /** The same histogram on another thread (pass `buffer`). */
  static attach(buffer: SharedArrayBuffer): SharedHistogram {
    return new SharedHistogram(buffer);
  }

  /**
   * Adds one value of `nanoseconds` to `row`, only from that row's writing
   * thread. A value goes to the first bucket whose bound is >= it; values
   * <= 1024 ns (and NaN) go to the first bucket, values > 2^27 ns to +Inf.
   * A negative or NaN value adds 0 to the sum.
   */
  record(row: number, nanoseconds: number): void {
    if (row >>> 0 !== row || row >= this.rows) this.badRow(row);
    const base = row * ROW_SLOTS;
    let bucket: number;
    if (nanoseconds > LAST_NS) bucket = INF_BUCKET;
    else if (nanoseconds > FIRST_NS) {
      // ceil(v) - 1 is in [2^10, 2^27); 32 - clz32 of it is e with 2^(e-1) < v <= 2^e, and bucket e - 10 has bound 2^e.
      bucket = 32 - FIRST_EXPONENT - Math.clz32(Math.ceil(nanoseconds) - 1);
    } else bucket = 0;
    const slots = this.slots;
    slots[base + bucket] += 1;
    if (nanoseconds > 0) slots[base + SUM_SLOT] += nanoseconds;
  }

  /** One row as it stands (see the class comment for what a concurrent read sees). */
  rowSnapshot(row: number): HistogramSnapshot {
    if (row >>> 0 !== row || row >= this.rows) this.badRow(row);
    const base = row * ROW_SLOTS;
    const counts = Array.from(this.slots.subarray(base, base + BUCKETS));
    return {
      bounds: [...BOUNDS_SECONDS],
      counts,
      sum: this.slots[base + SUM_SLOT] / NS_PER_SECOND,
      count: counts.reduce((a, b) => a + b, 0),
    };
  }

  /** The rows summed, and each row (read once each: the total is the sum of the rows returned). */
  snapshot(): SharedHistogramSnapshot {
    const rows = Array.from({ length: this.rows }, (_, r) => this.rowSnapshot(r));
    const counts = new Array<number>(BUCKETS).fill(0);
    let sum = 0;
    for (const r of rows) {
      for (let b = 0; b < BUCKETS; b++) counts[b] += r.counts[b];
      sum += r.sum;
    }
    return { bounds: [...BOUNDS_SECONDS], counts, sum, count: counts.reduce((a, b) => a + b, 0), rows };
  }

  private badRow(row: number): never {
    throw new LarsError(ErrorCode.BAD_OPTION, `SharedHistogram row must be an integer 0..${this.rows - 1}, got ${row}`);
  }
}
