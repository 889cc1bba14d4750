import { RingDeque } from '@lars/reactor';
import { checkOption, MAX_FRAME_BYTES } from '@lars/wire';

/** One encoded snapshot frame and where it stands on the connection it was last written to. */
interface Entry {
  readonly frame: Buffer;
  /** Bytes written to the current connection up to and including this frame (its end offset there). */
  end: number;
  /** When the frame was first seen wholly handed to the kernel on the current connection (ms), else -1. */
  inKernelAt: number;
  /** Whether it was written before, on a connection that closed before confirming it. */
  written: boolean;
}

export interface ReportQueueOptions {
  /** Bound on every frame held, written-unconfirmed and waiting alike (bytes); >= 2 frames of the largest size. */
  maxBytes: number;
  /** A written frame is confirmed once its bytes have been in the kernel this long with the connection up (ms). */
  graceMs: number;
}

export interface ReportQueueStats {
  /** Frames waiting to be written (never written, or to be written again). */
  queuedFrames: number;
  queuedBytes: number;
  /** Frames written to the live connection and not yet confirmed. */
  unconfirmedFrames: number;
  unconfirmedBytes: number;
  /** Frames that left the queue confirmed. */
  confirmed: number;
  /** Frames dropped, oldest waiting first, to keep within maxBytes. */
  overflow: number;
  /** Writes of a frame that had been written to an earlier connection. */
  resends: number;
  /** Frames still waiting when drop() emptied the queue (close). */
  dropped: number;
}

/**
 * The reporter link's snapshot queue: at-least-once, ordered, bounded, with
 * no ack in the protocol. A frame moves waiting -> written (in the socket's
 * output) -> in the kernel -> confirmed; it leaves the queue only when it
 * has been wholly handed to the kernel and the connection then stayed up for
 * graceMs. A peer that accepts and closes at once (over its maxConn) or
 * resets is seen well within that; when the connection closes first, every
 * unconfirmed frame goes back to the head of the waiting frames, in order,
 * and is written again on the next connection (a resend). The reporter's
 * ServerCallStatus upsert stores absolute counts, so a snapshot applied
 * twice leaves the same row. What grace cannot see: a peer that is still
 * connected but dies with confirmed bytes unread in its kernel buffers.
 *
 * Bounds: everything held stays within maxBytes. Writes stop while the
 * unconfirmed bytes would pass maxBytes - MAX_FRAME_BYTES, so a new frame
 * always fits by dropping waiting frames only, oldest first (counted as
 * overflow); a written frame is never dropped for room. The sustained rate
 * a link confirms is therefore at most about maxBytes / graceMs.
 *
 * Pure logic: the caller writes the frames, reports what the kernel took
 * (progress) and when the connection closes (connectionLost), and passes
 * the time. Every operation is O(1) amortised per frame.
 */
export class ReportQueue {
  readonly maxBytes: number;
  readonly graceMs: number;
  /** Written frames whose bytes are not all in the kernel yet, in order. */
  private output = new RingDeque<Entry>();
  /** Written frames wholly in the kernel, waiting out graceMs, in order (older than `output`). */
  private kernel = new RingDeque<Entry>();
  /** Frames to write, in order (younger than both). */
  private waiting = new RingDeque<Entry>();
  private waitingBytes = 0;
  private unconfirmedBytes = 0;
  private readonly counters = { confirmed: 0, overflow: 0, resends: 0, dropped: 0 };

  constructor(options: ReportQueueOptions) {
    this.maxBytes = options.maxBytes;
    this.graceMs = options.graceMs;
    checkOption(
      Number.isInteger(this.maxBytes) && this.maxBytes >= 2 * MAX_FRAME_BYTES,
      'reportQueueBytes',
      `must be an integer >= ${2 * MAX_FRAME_BYTES} (two frames of the largest size)`,
    );
    checkOption(Number.isInteger(this.graceMs) && this.graceMs >= 0, 'reportGraceMs', 'must be an integer >= 0');
  }

  /** Frames written and not yet confirmed (the connection's in-flight depth). */
  get unconfirmedFrames(): number {
    return this.output.length + this.kernel.length;
  }

  /**
   * Appends `frame` (<= MAX_FRAME_BYTES) to the waiting frames, dropping the
   * oldest waiting ones if it does not fit; returns how many were dropped.
   */
  push(frame: Buffer): number {
    let dropped = 0;
    while (this.unconfirmedBytes + this.waitingBytes + frame.length > this.maxBytes) {
      // Never empty here: unconfirmedBytes <= maxBytes - MAX_FRAME_BYTES (see nextToWrite).
      const oldest = this.waiting.shift() as Entry;
      this.waitingBytes -= oldest.frame.length;
      dropped++;
    }
    this.counters.overflow += dropped;
    this.waiting.push({ frame, end: 0, inKernelAt: -1, written: false });
    this.waitingBytes += frame.length;
    return dropped;
  }

  /** The next frame to write, or null when none waits or the unconfirmed bytes leave no room for it. */
  nextToWrite(): Buffer | null {
    const next = this.waiting.peek();
    if (next === undefined) return null;
    if (this.unconfirmedBytes + next.frame.length > this.maxBytes - MAX_FRAME_BYTES) return null;
    return next.frame;
  }

  /** The frame nextToWrite() returned was written; `end` = bytes written to this connection so far, it included. */
  written(end: number): void {
    const entry = this.waiting.shift() as Entry;
    this.waitingBytes -= entry.frame.length;
    this.unconfirmedBytes += entry.frame.length;
    if (entry.written) this.counters.resends++;
    entry.written = true;
    entry.end = end;
    this.output.push(entry);
  }

  /**
   * The connection is up at `now` and has handed `drained` bytes (from its
   * start) to the kernel: marks the frames that are now wholly there, and
   * confirms those that have been there for graceMs. Returns how many were confirmed.
   */
  progress(drained: number, now: number): number {
    let head = this.output.peek();
    while (head !== undefined && head.end <= drained) {
      this.output.shift();
      head.inKernelAt = now;
      this.kernel.push(head);
      head = this.output.peek();
    }
    let confirmed = 0;
    let oldest = this.kernel.peek();
    while (oldest !== undefined && now - oldest.inKernelAt >= this.graceMs) {
      this.kernel.shift();
      this.unconfirmedBytes -= oldest.frame.length;
      confirmed++;
      oldest = this.kernel.peek();
    }
    this.counters.confirmed += confirmed;
    return confirmed;
  }

  /** The connection closed: every unconfirmed frame waits again, ahead of the others and in order. */
  connectionLost(): void {
    if (this.unconfirmedFrames === 0) return;
    const waiting = new RingDeque<Entry>(this.unconfirmedFrames + this.waiting.length);
    for (const from of [this.kernel, this.output, this.waiting]) {
      let entry: Entry | undefined;
      while ((entry = from.shift()) !== undefined) {
        entry.inKernelAt = -1;
        waiting.push(entry);
      }
    }
    this.waiting = waiting;
    this.waitingBytes += this.unconfirmedBytes;
    this.unconfirmedBytes = 0;
  }

  /**
   * Empties the queue (close, after the last writes): the waiting frames are
   * counted as dropped; the unconfirmed ones were written and are let go
   * uncounted (the caller closes the connection gracefully, which flushes them).
   */
  drop(): { dropped: number; unconfirmed: number } {
    const out = { dropped: this.waiting.length, unconfirmed: this.unconfirmedFrames };
    this.output.clear();
    this.kernel.clear();
    this.waiting.clear();
    this.waitingBytes = 0;
    this.unconfirmedBytes = 0;
    this.counters.dropped += out.dropped;
    return out;
  }

  /** Every waiting frame, bypassing the unconfirmed-bytes gate (close writes what it can). */
  forceNext(): Buffer | null {
    return this.waiting.peek()?.frame ?? null;
  }

  stats(): ReportQueueStats {
    return {
      ...this.counters,
      queuedFrames: this.waiting.length,
      queuedBytes: this.waitingBytes,
      unconfirmedFrames: this.unconfirmedFrames,
      unconfirmedBytes: this.unconfirmedBytes,
    };
  }
}
