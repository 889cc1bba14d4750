import { ErrorCode, LarsError } from './errors.js';

/** `[msgid int32 LE][msglen int32 LE]` (protocol.md "Frame"). */
export const HEADER_BYTES = 8;
/** A whole frame never exceeds this, header included. */
export const MAX_FRAME_BYTES = 65535;
/** Largest body a TCP frame may carry: 65535 minus the header. */
export const MAX_BODY_BYTES = MAX_FRAME_BYTES - HEADER_BYTES;
/** Largest body that fits one IPv4 UDP datagram (65507 bytes of payload). */
export const MAX_UDP_BODY_BYTES = 65507 - HEADER_BYTES;

/** One decoded frame. `body` may be a view into the buffer it was read from. */
export interface Frame {
  readonly msgid: number;
  readonly body: Buffer;
}

/** Receives frames from a FrameDecoder; set once, so decoding allocates no closure per frame. */
export interface FrameSink {
  /** `body` is valid as long as the caller keeps it; it may share memory with the pushed chunk. */
  onFrame(msgid: number, body: Buffer): void;
}

/** Why a datagram was not one well-formed frame. */
export const DatagramError = {
  /** Fewer than HEADER_BYTES bytes. */
  TOO_SHORT: 'too-short',
  /** msglen < 0 or > MAX_BODY_BYTES. */
  BAD_MSGLEN: 'bad-msglen',
  /** Datagram length != HEADER_BYTES + msglen. */
  LENGTH_MISMATCH: 'length-mismatch',
} as const;
export type DatagramError = (typeof DatagramError)[keyof typeof DatagramError];

function checkBody(body: Uint8Array, max: number): void {
  if (body.length > max) {
    throw new LarsError(ErrorCode.BAD_FRAME, `frame body of ${body.length} bytes exceeds ${max}`);
  }
}

/**
 * Writes one frame at `offset` of `target` and returns the offset after it.
 * Throws LarsError(BAD_FRAME) when the body is over MAX_BODY_BYTES, or a
 * RangeError when `target` is too small.
 */
export function writeFrame(target: Buffer, offset: number, msgid: number, body: Uint8Array): number {
  checkBody(body, MAX_BODY_BYTES);
  const end = offset + HEADER_BYTES + body.length;
  if (end > target.length) throw new RangeError(`frame needs ${end - offset} bytes at offset ${offset}`);
  target.writeInt32LE(msgid, offset);
  target.writeInt32LE(body.length, offset + 4);
  target.set(body, offset + HEADER_BYTES);
  return end;
}

/** A new buffer holding one frame. Throws LarsError(BAD_FRAME) when the body is over MAX_BODY_BYTES. */
export function encodeFrame(msgid: number, body: Uint8Array): Buffer {
  checkBody(body, MAX_BODY_BYTES);
  const frame = Buffer.allocUnsafe(HEADER_BYTES + body.length);
  frame.writeInt32LE(msgid, 0);
  frame.writeInt32LE(body.length, 4);
  frame.set(body, HEADER_BYTES);
  return frame;
}

/** Null when `buf` is exactly one well-formed frame, else why not. */
export function datagramError(buf: Uint8Array): DatagramError | null {
  if (buf.length < HEADER_BYTES) return DatagramError.TOO_SHORT;
  const msglen = buf[4] | (buf[5] << 8) | (buf[6] << 16) | (buf[7] << 24) | 0;
  if (msglen < 0 || msglen > MAX_BODY_BYTES) return DatagramError.BAD_MSGLEN;
  if (buf.length !== HEADER_BYTES + msglen) return DatagramError.LENGTH_MISMATCH;
  return null;
}

/** The frame in a UDP datagram (body is a view into `buf`), or why the datagram is not one frame. */
export function decodeDatagram(buf: Buffer): Frame | DatagramError {
  const error = datagramError(buf);
  if (error !== null) return error;
  return { msgid: buf.readInt32LE(0), body: buf.subarray(HEADER_BYTES) };
}

const EMPTY = Buffer.alloc(0);

/**
 * Stream decoder for TCP: a pure state machine, no socket.
 *
 * `push(chunk)` hands every complete frame in it to the sink, in order.
 * Frames wholly inside one chunk are passed as views of that chunk (no copy);
 * only a frame split across chunks is copied, into a buffer sized from its
 * already validated header. Invariants: a header is validated before any
 * body buffer is allocated, so a hostile msglen never allocates; the bytes
 * held between pushes are at most one partial frame (<= MAX_FRAME_BYTES).
 *
 * A malformed header poisons the decoder: push returns the LarsError(BAD_FRAME)
 * (also kept in `error`) and every later push returns it again without
 * decoding. Frames before the bad header in the same chunk are delivered.
 */
export class FrameDecoder {
  private readonly sink: FrameSink;
  /** Header bytes of a frame split across chunks (valid up to headerFill). */
  private readonly header = Buffer.alloc(HEADER_BYTES);
  private headerFill = 0;
  /** Body being assembled across chunks, once its header has been validated. */
  private body: Buffer | null = null;
  private bodyFill = 0;
  private bodyMsgid = 0;
  private failure: LarsError | null = null;

  constructor(sink: FrameSink) {
    this.sink = sink;
  }

  /** The error that stopped this decoder, or null. */
  get error(): LarsError | null {
    return this.failure;
  }

  /** Bytes held for a frame not yet complete (never more than MAX_FRAME_BYTES). */
  get bufferedBytes(): number {
    return this.body === null ? this.headerFill : HEADER_BYTES + this.bodyFill;
  }

  /** Decodes `chunk`; returns null, or the LarsError(BAD_FRAME) that stopped the stream. */
  push(chunk: Buffer): LarsError | null {
    if (this.failure !== null) return this.failure;
    let pos = 0;
    if (this.headerFill > 0 || this.body !== null) {
      pos = this.continuePartial(chunk);
      if (pos < 0) return this.failure;
      if (this.headerFill > 0 || this.body !== null) return null;
    }
    const end = chunk.length;
    while (end - pos >= HEADER_BYTES) {
      const msgid = chunk.readInt32LE(pos);
      const msglen = chunk.readInt32LE(pos + 4);
      if (!this.validLength(msgid, msglen)) return this.failure;
      const bodyStart = pos + HEADER_BYTES;
      if (end - bodyStart < msglen) {
        chunk.copy(this.startBody(msgid, msglen), 0, bodyStart, end);
        this.bodyFill = end - bodyStart;
        return null;
      }
      pos = bodyStart + msglen;
      this.sink.onFrame(msgid, chunk.subarray(bodyStart, pos));
    }
    if (pos < end) {
      chunk.copy(this.header, 0, pos, end);
      this.headerFill = end - pos;
    }
    return null;
  }

  /** Forgets any partial frame and a previous error. */
  reset(): void {
    this.headerFill = 0;
    this.body = null;
    this.bodyFill = 0;
    this.failure = null;
  }

  /**
   * Feeds the start of `chunk` into the partial frame; returns the offset of
   * the first unconsumed byte, or -1 on a bad header.
   */
  private continuePartial(chunk: Buffer): number {
    let pos = 0;
    if (this.body === null) {
      const take = Math.min(HEADER_BYTES - this.headerFill, chunk.length);
      chunk.copy(this.header, this.headerFill, 0, take);
      this.headerFill += take;
      pos = take;
      if (this.headerFill < HEADER_BYTES) return pos;
      const msgid = this.header.readInt32LE(0);
      const msglen = this.header.readInt32LE(4);
      if (!this.validLength(msgid, msglen)) return -1;
      this.headerFill = 0;
      this.startBody(msgid, msglen);
    }
    const body = this.body as Buffer;
    const take = Math.min(body.length - this.bodyFill, chunk.length - pos);
    chunk.copy(body, this.bodyFill, pos, pos + take);
    this.bodyFill += take;
    pos += take;
    if (this.bodyFill === body.length) {
      this.body = null;
      this.bodyFill = 0;
      this.sink.onFrame(this.bodyMsgid, body);
    }
    return pos;
  }

  private startBody(msgid: number, msglen: number): Buffer {
    const body = msglen === 0 ? EMPTY : Buffer.allocUnsafe(msglen);
    this.bodyMsgid = msgid;
    this.body = body;
    this.bodyFill = 0;
    return body;
  }

  private validLength(msgid: number, msglen: number): boolean {
    if (msglen >= 0 && msglen <= MAX_BODY_BYTES) return true;
    this.headerFill = 0;
    this.body = null;
    this.failure = new LarsError(
      ErrorCode.BAD_FRAME,
      `malformed frame header: msgid ${msgid}, msglen ${msglen} (allowed 0..${MAX_BODY_BYTES})`,
    );
    return false;
  }
}
