import { encodeFrame, HEADER_BYTES, type LogThrottle, SendOutcome } from '@lars/wire';
import type { Logger } from './logger.js';
import { RingDeque } from './ring-deque.js';

/**
 * What TcpClient.send() does while there is no connection: queue up to the
 * bound and reject past it, reject at once, or queue and drop the OLDEST
 * queued frames to make room (for data where the newest matters most).
 */
export const WhileDisconnected = { QUEUE: 'queue', REJECT: 'reject', DROP_OLDEST: 'drop-oldest' } as const;
export type WhileDisconnected = (typeof WhileDisconnected)[keyof typeof WhileDisconnected];

/**
 * The frames a TcpClient holds while disconnected: encoded, appended, and
 * flushed whole into the next connection. Invariant: `bytes` (headers
 * included) never exceeds `maxBytes`, which TcpClient keeps <= the output
 * bound, so a flush into a fresh socket always fits.
 */
export class TcpClientQueue {
  bytes = 0;
  /** Frames dropped to make room for newer ones (DROP_OLDEST). */
  droppedOldest = 0;
  private readonly frames = new RingDeque<Buffer>();

  constructor(
    readonly policy: WhileDisconnected,
    readonly maxBytes: number,
    private readonly logger: Logger,
    private readonly throttle: LogThrottle,
  ) {}

  get length(): number {
    return this.frames.length;
  }

  /** QUEUED, or REJECTED when the policy is REJECT or the bound is reached under QUEUE (the caller counts it). */
  push(msgid: number, body: Uint8Array): SendOutcome {
    if (this.policy === WhileDisconnected.REJECT) return SendOutcome.REJECTED;
    const bytes = HEADER_BYTES + body.length;
    if (this.bytes + bytes > this.maxBytes) {
      const dropOldest = this.policy === WhileDisconnected.DROP_OLDEST && bytes <= this.maxBytes;
      const suppressed = this.throttle.take('queue-full');
      if (suppressed >= 0) {
        const what = dropOldest ? 'dropping the oldest queued frames' : 'send rejected';
        this.logger.warn({ queuedBytes: this.bytes, suppressed }, `send queue full, ${what}`);
      }
      if (!dropOldest) return SendOutcome.REJECTED;
      while (this.bytes + bytes > this.maxBytes) {
        this.bytes -= this.frames.shift()!.length;
        this.droppedOldest++;
      }
    }
    this.frames.push(encodeFrame(msgid, body));
    this.bytes += bytes;
    return SendOutcome.QUEUED;
  }

  /** Writes every queued frame into `conn`; returns how many it refused (none on a fresh socket). */
  flushInto(conn: { sendFrame(frame: Buffer): SendOutcome }): number {
    this.bytes = 0;
    let refused = 0;
    let frame: Buffer | undefined;
    while ((frame = this.frames.shift()) !== undefined) {
      if (conn.sendFrame(frame) !== SendOutcome.SENT) refused++;
    }
    return refused;
  }

  /** Empties the queue; returns how many frames were dropped. */
  clear(): number {
    const n = this.frames.length;
    this.frames.clear();
    this.bytes = 0;
    return n;
  }
}
