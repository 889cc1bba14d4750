// The fuzz tests' REFERENCE decoder: how a daemon must classify each input.
// Pure (no socket, no @lars import): it is written from protocol.md and the
// protobuf encoding rules alone, so it checks the daemons' codec
// (FrameDecoder, datagramError, the generated protobufjs code) instead of
// repeating it. Its rules, which the daemons must match:
//  - header: msgid int32 LE, msglen int32 LE; 0 <= msglen <= 65527, else the
//    header is bad (TCP: the connection is closed; UDP: `badFrames`, as is a
//    datagram under 8 bytes); a UDP datagram is exactly 8 + msglen bytes;
//  - body: proto3 of the msgid's message. A varint (tags and lengths too) ends
//    within 10 bytes at its first byte below 0x80 and means its low 32 bits;
//    field number 0, wire types 3, 4, 6, 7 and a known field of another wire
//    type than its own are errors; unknown fields of wire type 0, 1, 2, 5 are
//    skipped; a length past its end is an error; when a singular field comes
//    twice the last one wins, an embedded message included (as protobufjs
//    does; proto3 would merge the two, which no Lars peer relies on).

import {
  FUZZ_HEADER_BYTES,
  FUZZ_MAX_BODY_BYTES,
  FUZZ_SCHEMA,
  type FuzzMessage,
  type MessageSpec,
} from './fuzz-schema.js';

class BodyError extends Error {}

class Cursor {
  constructor(
    readonly buf: Uint8Array,
    public pos: number,
    readonly end: number,
  ) {}

  varint(): number {
    let value = 0;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new BodyError('varint past the end');
      const b = this.buf[this.pos++];
      if (i < 4) value += (b & 0x7f) * 2 ** (7 * i);
      else if (i === 4) value += (b & 0x0f) * 2 ** 28;
      if (b < 0x80) return value;
    }
    throw new BodyError('varint over 10 bytes');
  }

  skip(n: number): void {
    if (n > this.end - this.pos) throw new BodyError('field past the end');
    this.pos += n;
  }
}

function zeroValue(spec: MessageSpec): FuzzMessage {
  const out: FuzzMessage = {};
  for (const f of spec.fields) {
    if (f.repeated) out[f.name] = [];
    else if (f.type === 'bool') out[f.name] = false;
    else if (f.type !== 'message') out[f.name] = 0;
  }
  return out;
}

function decodeMessage(spec: MessageSpec, c: Cursor): FuzzMessage {
  const out = zeroValue(spec);
  while (c.pos < c.end) {
    const tag = c.varint();
    const num = Math.floor(tag / 8);
    const wt = tag % 8;
    if (num === 0) throw new BodyError('field number 0');
    const f = spec.fields.find((x) => x.num === num);
    if (f !== undefined) {
      const own = f.type === 'message' ? 2 : 0;
      if (wt !== own) throw new BodyError(`wire type ${wt} for ${spec.name}.${f.name}`);
      if (f.type === 'message') {
        const len = c.varint();
        if (len > c.end - c.pos) throw new BodyError('embedded message past the end');
        const inner = decodeMessage(f.message as MessageSpec, new Cursor(c.buf, c.pos, c.pos + len));
        c.pos += len;
        if (f.repeated) (out[f.name] as FuzzMessage[]).push(inner);
        else out[f.name] = inner;
      } else {
        const v = c.varint();
        if (f.type === 'bool') out[f.name] = v !== 0;
        else if (f.type === 'uint32' || f.unsigned) out[f.name] = v;
        else out[f.name] = v >= 2 ** 31 ? v - 2 ** 32 : v;
      }
      continue;
    }
    if (wt === 0) c.varint();
    else if (wt === 1) c.skip(8);
    else if (wt === 2) c.skip(c.varint());
    else if (wt === 5) c.skip(4);
    else throw new BodyError(`wire type ${wt}`);
  }
  return out;
}

export type BodyVerdict =
  | { readonly ok: true; readonly value: FuzzMessage }
  | { readonly ok: false; readonly why: string };

/** The reference decoding of a `msgid` body. */
export function referenceDecodeBody(msgid: number, body: Uint8Array): BodyVerdict {
  const spec = FUZZ_SCHEMA[msgid];
  if (spec === undefined) return { ok: false, why: `no message for msgid ${msgid}` };
  try {
    return { ok: true, value: decodeMessage(spec, new Cursor(body, 0, body.length)) };
  } catch (err) {
    if (err instanceof BodyError) return { ok: false, why: err.message };
    throw err;
  }
}

/** One whole frame as a daemon that handles `handled` msgids sees it. */
export type FrameVerdict =
  | { readonly kind: 'valid'; readonly msgid: number; readonly value: FuzzMessage }
  | { readonly kind: 'unknownMsgid'; readonly msgid: number }
  | { readonly kind: 'badBody'; readonly msgid: number };

function classifyFrame(msgid: number, body: Uint8Array, handled: ReadonlySet<number>): FrameVerdict {
  if (!handled.has(msgid)) return { kind: 'unknownMsgid', msgid };
  const res = referenceDecodeBody(msgid, body);
  return res.ok ? { kind: 'valid', msgid, value: res.value } : { kind: 'badBody', msgid };
}

function readInt32LE(buf: Uint8Array, at: number): number {
  return buf[at] | (buf[at + 1] << 8) | (buf[at + 2] << 16) | (buf[at + 3] << 24);
}

/**
 * `bytes` sent alone on a fresh TCP connection, then the end of the stream:
 * its whole frames in order, and how the stream ends: `clean` at a frame
 * boundary, `badHeader` (the server closes the connection), or `truncated`
 * (the stream ends inside a frame, which is dropped). A `clean` input can
 * share a connection with other clean inputs and is read the same.
 */
export interface StreamVerdict {
  readonly frames: readonly FrameVerdict[];
  readonly end: 'clean' | 'badHeader' | 'truncated';
}

export function classifyStream(bytes: Uint8Array, handled: ReadonlySet<number>): StreamVerdict {
  const frames: FrameVerdict[] = [];
  let pos = 0;
  while (bytes.length - pos >= FUZZ_HEADER_BYTES) {
    const msgid = readInt32LE(bytes, pos);
    const msglen = readInt32LE(bytes, pos + 4);
    if (msglen < 0 || msglen > FUZZ_MAX_BODY_BYTES) return { frames, end: 'badHeader' };
    const start = pos + FUZZ_HEADER_BYTES;
    if (bytes.length - start < msglen) return { frames, end: 'truncated' };
    frames.push(classifyFrame(msgid, bytes.subarray(start, start + msglen), handled));
    pos = start + msglen;
  }
  return { frames, end: pos === bytes.length ? 'clean' : 'truncated' };
}

/** One UDP datagram as the agent sees it. */
export type DatagramVerdict = { readonly kind: 'badFrame' } | { readonly kind: 'lengthMismatch' } | FrameVerdict;

export function classifyDatagram(bytes: Uint8Array, handled: ReadonlySet<number>): DatagramVerdict {
  if (bytes.length < FUZZ_HEADER_BYTES) return { kind: 'badFrame' };
  const msglen = readInt32LE(bytes, 4);
  if (msglen < 0 || msglen > FUZZ_MAX_BODY_BYTES) return { kind: 'badFrame' };
  if (bytes.length !== FUZZ_HEADER_BYTES + msglen) return { kind: 'lengthMismatch' };
  return classifyFrame(readInt32LE(bytes, 0), bytes.subarray(FUZZ_HEADER_BYTES), handled);
}
