import { isMainThread } from 'node:worker_threads';
import { checkOption, ErrorCode, LarsError } from '@lars/wire';

/** What `push` does when the ring has no room for a record. */
export const FullPolicy = {
  /** `push` returns false and counts `rejected`; nothing queued is touched. */
  REJECT: 'reject',
  /** The producer drops the oldest whole records until the new one fits, counting `dropped`. */
  DROP_OLDEST: 'drop-oldest',
} as const;
export type FullPolicy = (typeof FullPolicy)[keyof typeof FullPolicy];

/** Why a wait returned: a record is queued; closed and empty (none will come); timed out. */
export const WaitResult = { READY: 'ready', CLOSED: 'closed', TIMED_OUT: 'timed-out' } as const;
export type WaitResult = (typeof WaitResult)[keyof typeof WaitResult];

export interface SabQueueOptions {
  /** Ring size in bytes: a power of two, 64 .. 2^30. */
  capacityBytes?: number;
  fullPolicy?: FullPolicy;
}

const DEFAULTS = {
  capacityBytes: 1 << 20,
  fullPolicy: FullPolicy.REJECT,
} as const;

export interface SabQueueStats {
  capacityBytes: number;
  /** Bytes in use, record headers and padding included. */
  depthBytes: number;
  /** Records queued now (pushed - popped - dropped). */
  records: number;
  pushed: number;
  popped: number;
  rejected: number;
  dropped: number;
  closed: boolean;
}

/** Receives records from `drain`; the view is valid only until the sink returns. */
export type RecordSink = (record: Uint8Array) => void;

const MIN_CAPACITY = 64;
const MAX_CAPACITY = 2 ** 30;
const MAGIC = 0x4c415201; // "LAR" + layout version 1

// Control words (Int32 indices). Fields are grouped by writer on separate
// 64-byte lines so the producer and the consumer do not false-share.
// Consumer line (HEAD is also CASed by a dropping producer):
const HEAD = 0;
const POPPED = 1; // lo, hi (POPPED + 1)
const WAITERS = 3;
// Producer line:
const TAIL = 16;
const SIGNAL = 17;
const PUSHED = 18; // lo, hi
const REJECTED = 20; // lo, hi
const DROPPED = 22; // lo, hi
// Read-mostly line:
const MAGIC_WORD = 32;
const CAPACITY = 33;
const POLICY = 34;
const CLOSED = 35;
const CONTROL_WORDS = 48;
const HEADER_BYTES = CONTROL_WORDS * 4;

const EMPTY = -1;
const MOVED = -2;
const MAX_TIMER_MS = 2 ** 31 - 1;

function noop(): void {}

/** Bytes a record occupies in the ring: a 4-byte length, the body, padding to 4. */
function recordSize(len: number): number {
  return 4 + ((len + 3) & ~3);
}

/**
 * Adds one to a 64-bit counter kept as two int32 words. Each counter has a
 * single writer (the producer or the consumer), so read-modify-write needs no
 * CAS; a reader may see a stale value, and, once every 2^32 increments, a
 * momentarily torn one.
 */
function bump(ctl: Int32Array, lo: number): void {
  const next = (ctl[lo] + 1) | 0;
  if (next === 0) Atomics.store(ctl, lo + 1, (ctl[lo + 1] + 1) | 0);
  Atomics.store(ctl, lo, next);
}

function readCounter(ctl: Int32Array, lo: number): number {
  return (Atomics.load(ctl, lo + 1) >>> 0) * 2 ** 32 + (Atomics.load(ctl, lo) >>> 0);
}

/**
 * The original's thread_queue: a bounded ring of length-prefixed byte records
 * in a SharedArrayBuffer, for exactly ONE producer and ONE consumer (threads
 * may differ; each side calls `attach` on `buffer`). Either direction works:
 * main -> worker and worker -> main.
 *
 * Indices are free-running int32 byte counters (position = index & mask).
 * The producer alone writes record bytes and TAIL, and publishes a record by
 * storing TAIL after writing it. The consumer copies the record at HEAD and
 * then claims it with a CAS of HEAD from h to h + size. With 'drop-oldest' a
 * full producer also moves HEAD by CAS, one whole record at a time, and may
 * then overwrite that space; a consumer that was copying that record loses
 * its CAS, discards the copy and retries. So each record is either delivered
 * once, intact, or counted as dropped; never torn, never duplicated.
 * (A stale HEAD would have to be lapped by exactly 2^32 bytes during one
 * copy for the CAS to be fooled.)
 *
 * Waking: the consumer registers in WAITERS, re-checks for data, then waits
 * on SIGNAL; the producer bumps SIGNAL and notifies only when WAITERS is
 * non-zero, so a push costs no notify while the consumer is busy.
 */
export class SabQueue {
  readonly buffer: SharedArrayBuffer;
  readonly capacityBytes: number;
  /** Largest record body `push` accepts: half the capacity. */
  readonly maxRecordBytes: number;
  readonly fullPolicy: FullPolicy;
  private readonly ctl: Int32Array;
  private readonly data: Uint8Array;
  /** The data region as int32, for the 4-byte-aligned record lengths. */
  private readonly words: Int32Array;
  private readonly mask: number;
  private scratch: Uint8Array | null = null;
  /** Ref'd only while a waitAsync is pending: Atomics.waitAsync alone does not keep a thread alive. */
  private keepAlive: NodeJS.Timeout | null = null;
  private asyncWaits = 0;

  /** A new, empty queue. Hand `buffer` to the other thread, which calls `attach`. */
  static create(options: SabQueueOptions = {}): SabQueue {
    const capacityBytes = options.capacityBytes ?? DEFAULTS.capacityBytes;
    const fullPolicy = options.fullPolicy ?? DEFAULTS.fullPolicy;
    checkOption(
      Number.isInteger(capacityBytes) &&
        capacityBytes >= MIN_CAPACITY &&
        capacityBytes <= MAX_CAPACITY &&
        (capacityBytes & (capacityBytes - 1)) === 0,
      'capacityBytes',
      `must be a power of two from ${MIN_CAPACITY} to ${MAX_CAPACITY}`,
    );
    checkOption(
      fullPolicy === FullPolicy.REJECT || fullPolicy === FullPolicy.DROP_OLDEST,
      'fullPolicy',
      "must be 'reject' or 'drop-oldest'",
    );
    const buffer = new SharedArrayBuffer(HEADER_BYTES + capacityBytes);
    const ctl = new Int32Array(buffer, 0, CONTROL_WORDS);
    ctl[CAPACITY] = capacityBytes;
    ctl[POLICY] = fullPolicy === FullPolicy.DROP_OLDEST ? 1 : 0;
    Atomics.store(ctl, MAGIC_WORD, MAGIC);
    return new SabQueue(buffer);
  }

  /** The same queue seen from another thread (or the same one). */
  static attach(buffer: SharedArrayBuffer): SabQueue {
    checkOption(
      buffer instanceof SharedArrayBuffer && buffer.byteLength >= HEADER_BYTES + MIN_CAPACITY,
      'buffer',
      'must be the SharedArrayBuffer of a SabQueue',
    );
    const ctl = new Int32Array(buffer, 0, CONTROL_WORDS);
    checkOption(
      Atomics.load(ctl, MAGIC_WORD) === MAGIC && ctl[CAPACITY] === buffer.byteLength - HEADER_BYTES,
      'buffer',
      'is not a SabQueue buffer (bad magic or size)',
    );
    return new SabQueue(buffer);
  }

  private constructor(buffer: SharedArrayBuffer) {
    this.buffer = buffer;
    this.ctl = new Int32Array(buffer, 0, CONTROL_WORDS);
    this.capacityBytes = this.ctl[CAPACITY];
    this.maxRecordBytes = this.capacityBytes / 2;
    this.fullPolicy = this.ctl[POLICY] === 1 ? FullPolicy.DROP_OLDEST : FullPolicy.REJECT;
    this.data = new Uint8Array(buffer, HEADER_BYTES, this.capacityBytes);
    this.words = new Int32Array(buffer, HEADER_BYTES, this.capacityBytes / 4);
    this.mask = this.capacityBytes - 1;
  }

  /**
   * Producer side; never blocks. Returns false when full under 'reject'.
   * Throws LarsError RECORD_TOO_LARGE over `maxRecordBytes`, CLOSED after `close`.
   */
  push(record: Uint8Array): boolean {
    const len = record.length;
    if (len > this.maxRecordBytes) {
      throw new LarsError(ErrorCode.RECORD_TOO_LARGE, `record of ${len} bytes exceeds ${this.maxRecordBytes}`);
    }
    const ctl = this.ctl;
    if (Atomics.load(ctl, CLOSED) !== 0) throw new LarsError(ErrorCode.CLOSED, 'queue is closed');
    const size = recordSize(len);
    const cap = this.capacityBytes;
    const tail = ctl[TAIL]; // only this producer writes TAIL
    for (;;) {
      const head = Atomics.load(ctl, HEAD);
      if (((tail - head) | 0) + size <= cap) break;
      if (this.fullPolicy === FullPolicy.REJECT) {
        bump(ctl, REJECTED);
        return false;
      }
      // [head, tail) was written by this producer and not since overwritten,
      // so the oldest length is intact even if the consumer is copying it.
      const oldest = this.words[(head & this.mask) >> 2];
      if (Atomics.compareExchange(ctl, HEAD, head, (head + recordSize(oldest)) | 0) === head) {
        bump(ctl, DROPPED);
      }
    }
    const pos = tail & this.mask;
    this.words[pos >> 2] = len;
    const start = (pos + 4) & this.mask;
    const first = cap - start;
    if (len <= first) {
      this.data.set(record, start);
    } else {
      this.data.set(record.subarray(0, first), start);
      this.data.set(record.subarray(first), 0);
    }
    bump(ctl, PUSHED);
    Atomics.store(ctl, TAIL, (tail + size) | 0);
    if (Atomics.load(ctl, WAITERS) !== 0) {
      Atomics.add(ctl, SIGNAL, 1);
      Atomics.notify(ctl, SIGNAL);
    }
    return true;
  }

  /** Consumer side: the oldest record as a copy the caller owns, or null when empty. */
  pop(): Uint8Array | null {
    for (;;) {
      const head = Atomics.load(this.ctl, HEAD);
      const len = this.lengthAt(head);
      if (len === EMPTY) return null;
      if (len === MOVED) continue;
      const out = new Uint8Array(len);
      this.copyOut(head, len, out);
      if (this.claim(head, len)) return out;
    }
  }

  /**
   * Consumer side: hands up to `max` records to `sink` and returns how many.
   * Each view shares one scratch buffer and is valid only until `sink`
   * returns; `sink` must not drain this queue itself. A record is claimed
   * before `sink` sees it, so a throwing sink loses nothing else.
   */
  drain(sink: RecordSink, max = Infinity): number {
    const scratch = (this.scratch ??= new Uint8Array(this.maxRecordBytes));
    let n = 0;
    while (n < max) {
      const head = Atomics.load(this.ctl, HEAD);
      const len = this.lengthAt(head);
      if (len === EMPTY) break;
      if (len === MOVED) continue;
      this.copyOut(head, len, scratch);
      if (!this.claim(head, len)) continue;
      n++;
      sink(scratch.subarray(0, len));
    }
    return n;
  }

  isEmpty(): boolean {
    return Atomics.load(this.ctl, HEAD) === Atomics.load(this.ctl, TAIL);
  }

  isClosed(): boolean {
    return Atomics.load(this.ctl, CLOSED) !== 0;
  }

  /**
   * Marks the end of the stream (either side may call it) and wakes the
   * consumer. Queued records can still be popped; `push` throws. The queue
   * holds no OS resource, hence a synchronous close.
   */
  close(): void {
    Atomics.store(this.ctl, CLOSED, 1);
    Atomics.add(this.ctl, SIGNAL, 1);
    Atomics.notify(this.ctl, SIGNAL);
    if (this.asyncWaits === 0 && this.keepAlive !== null) {
      clearInterval(this.keepAlive);
      this.keepAlive = null;
    }
  }

  /**
   * Consumer side, any thread: resolves 'ready' once a record is queued,
   * 'closed' when closed and empty, 'timed-out' after `timeoutMs`. While it
   * is pending it keeps the thread's event loop alive, like any pending I/O
   * (a bare Atomics.waitAsync would let a worker exit under it).
   */
  async waitAsync(timeoutMs = Infinity): Promise<WaitResult> {
    const ctl = this.ctl;
    const deadline = performance.now() + timeoutMs;
    Atomics.add(ctl, WAITERS, 1);
    try {
      for (;;) {
        const signal = Atomics.load(ctl, SIGNAL);
        const state = this.readiness(deadline);
        if (state !== null) return state;
        const result = Atomics.waitAsync(ctl, SIGNAL, signal, deadline - performance.now());
        if (!result.async) continue;
        this.holdLoop();
        try {
          await result.value;
        } finally {
          this.releaseLoop();
        }
      }
    } finally {
      Atomics.sub(ctl, WAITERS, 1);
    }
  }

  /** As `waitAsync`, blocking with Atomics.wait: worker threads only (throws on the main thread). */
  waitSync(timeoutMs = Infinity): WaitResult {
    checkOption(!isMainThread, 'waitSync', 'blocks the thread; on the main thread use waitAsync');
    const ctl = this.ctl;
    const deadline = performance.now() + timeoutMs;
    Atomics.add(ctl, WAITERS, 1);
    try {
      for (;;) {
        const signal = Atomics.load(ctl, SIGNAL);
        const state = this.readiness(deadline);
        if (state !== null) return state;
        Atomics.wait(ctl, SIGNAL, signal, deadline - performance.now());
      }
    } finally {
      Atomics.sub(ctl, WAITERS, 1);
    }
  }

  /** Counters live in the buffer, so both sides see the same numbers. */
  stats(): SabQueueStats {
    const ctl = this.ctl;
    const pushed = readCounter(ctl, PUSHED);
    const popped = readCounter(ctl, POPPED);
    const dropped = readCounter(ctl, DROPPED);
    return {
      capacityBytes: this.capacityBytes,
      depthBytes: (Atomics.load(ctl, TAIL) - Atomics.load(ctl, HEAD)) | 0,
      records: Math.max(0, pushed - popped - dropped),
      pushed,
      popped,
      rejected: readCounter(ctl, REJECTED),
      dropped,
      closed: this.isClosed(),
    };
  }

  private holdLoop(): void {
    if (this.asyncWaits++ === 0) (this.keepAlive ??= setInterval(noop, MAX_TIMER_MS)).ref();
  }

  private releaseLoop(): void {
    if (--this.asyncWaits === 0) this.keepAlive?.unref();
  }

  /** Registered as a waiter and SIGNAL sampled before this check: no lost wake-up. */
  private readiness(deadline: number): WaitResult | null {
    if (!this.isEmpty()) return WaitResult.READY;
    if (this.isClosed()) return WaitResult.CLOSED;
    if (performance.now() >= deadline) return WaitResult.TIMED_OUT;
    return null;
  }

  /** Length of the record at `head`; EMPTY; or MOVED when a dropping producer got there first. */
  private lengthAt(head: number): number {
    const used = (Atomics.load(this.ctl, TAIL) - head) | 0;
    if (used === 0) return EMPTY;
    const len = this.words[(head & this.mask) >> 2];
    if (len >= 0 && len <= this.maxRecordBytes && recordSize(len) <= used) return len;
    // Garbage is only possible if the producer dropped this record and reused its space.
    if (Atomics.load(this.ctl, HEAD) !== head) return MOVED;
    throw new LarsError(ErrorCode.BAD_FRAME, `corrupt record length ${len} in SabQueue (more than one consumer?)`);
  }

  private copyOut(head: number, len: number, target: Uint8Array): void {
    const start = ((head & this.mask) + 4) & this.mask;
    const first = this.capacityBytes - start;
    if (len <= first) {
      target.set(this.data.subarray(start, start + len));
    } else {
      target.set(this.data.subarray(start, this.capacityBytes));
      target.set(this.data.subarray(0, len - first), first);
    }
  }

  /** Exactly one of this CAS and a dropping producer's CAS wins the record at `head`. */
  private claim(head: number, len: number): boolean {
    if (Atomics.compareExchange(this.ctl, HEAD, head, (head + recordSize(len)) | 0) !== head) return false;
    bump(this.ctl, POPPED);
    return true;
  }
}
