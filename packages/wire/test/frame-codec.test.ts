import { afterEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode, LarsError } from '../src/errors.js';
import {
  DatagramError,
  FrameDecoder,
  HEADER_BYTES,
  MAX_BODY_BYTES,
  MAX_FRAME_BYTES,
  MAX_UDP_BODY_BYTES,
  datagramError,
  decodeDatagram,
  encodeFrame,
  writeFrame,
} from '../src/frame-codec.js';

/** mulberry32: a small seeded PRNG so a failing run can be replayed. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Collector {
  readonly frames: { msgid: number; body: Buffer }[] = [];
  onFrame(msgid: number, body: Buffer): void {
    this.frames.push({ msgid, body });
  }
}

function header(msgid: number, msglen: number): Buffer {
  const h = Buffer.alloc(HEADER_BYTES);
  h.writeInt32LE(msgid, 0);
  h.writeInt32LE(msglen, 4);
  return h;
}

describe('constants', () => {
  it('match the protocol limits', () => {
    expect(HEADER_BYTES).toBe(8);
    expect(MAX_FRAME_BYTES).toBe(65535);
    expect(MAX_BODY_BYTES).toBe(65527);
    expect(MAX_UDP_BODY_BYTES).toBe(65499);
  });
});

describe('encodeFrame / writeFrame', () => {
  it('writes the golden GetRouteRequest frame', () => {
    const frame = encodeFrame(1, Buffer.from('08011002', 'hex'));
    expect(frame.toString('hex')).toBe('010000000400000008011002');
  });

  it('writes into a preallocated buffer and returns the next offset', () => {
    const target = Buffer.alloc(40);
    let off = writeFrame(target, 0, 7, Buffer.from('08011002', 'hex'));
    off = writeFrame(target, off, 2, new Uint8Array(0));
    expect(off).toBe(12 + 8);
    expect(target.subarray(0, off).toString('hex')).toBe('070000000400000008011002' + '0200000000000000');
    expect(() => writeFrame(Buffer.alloc(10), 0, 1, new Uint8Array(4))).toThrow(RangeError);
  });

  it('accepts a body of exactly MAX_BODY_BYTES and rejects one byte more', () => {
    expect(encodeFrame(3, new Uint8Array(MAX_BODY_BYTES)).length).toBe(MAX_FRAME_BYTES);
    let caught: unknown;
    try {
      encodeFrame(3, new Uint8Array(MAX_BODY_BYTES + 1));
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(LarsError);
    expect((caught as LarsError).code).toBe(ErrorCode.BAD_FRAME);
  });
});

describe('FrameDecoder', () => {
  it('decodes a seeded random stream cut at random points to exactly the frames sent', () => {
    const rand = seeded(0x1a25);
    const sent: { msgid: number; body: Buffer }[] = [];
    const FRAMES = 3000;
    for (let i = 0; i < FRAMES; i++) {
      let len: number;
      if (i % 500 === 0) len = 0;
      else if (i % 500 === 1) len = MAX_BODY_BYTES;
      else if (rand() < 0.1) len = Math.floor(rand() * (MAX_BODY_BYTES + 1));
      else len = Math.floor(rand() * 600);
      const body = Buffer.allocUnsafe(len);
      for (let j = 0; j < len; j++) body[j] = (rand() * 256) | 0;
      sent.push({ msgid: ((rand() * 0xffffffff) | 0) ^ i, body });
    }
    const stream = Buffer.concat(sent.map((f) => encodeFrame(f.msgid, f.body)));

    const sink = new Collector();
    const decoder = new FrameDecoder(sink);
    let pos = 0;
    let maxBuffered = 0;
    while (pos < stream.length) {
      const r = rand();
      // Mix tiny cuts (split headers), mid-size and huge chunks (many frames per read).
      const size =
        r < 0.3
          ? 1 + Math.floor(rand() * 9)
          : r < 0.8
            ? 1 + Math.floor(rand() * 4000)
            : 1 + Math.floor(rand() * 200_000);
      const end = Math.min(stream.length, pos + size);
      // A fresh copy per chunk, as a socket read gives.
      expect(decoder.push(Buffer.from(stream.subarray(pos, end)))).toBeNull();
      maxBuffered = Math.max(maxBuffered, decoder.bufferedBytes);
      pos = end;
    }

    expect(decoder.error).toBeNull();
    expect(decoder.bufferedBytes).toBe(0);
    expect(maxBuffered).toBeLessThanOrEqual(MAX_FRAME_BYTES);
    expect(sink.frames.length).toBe(sent.length);
    for (let i = 0; i < sent.length; i++) {
      expect(sink.frames[i].msgid).toBe(sent[i].msgid);
      expect(sink.frames[i].body.equals(sent[i].body)).toBe(true);
    }
  });

  it('passes a frame wholly inside one chunk as a view of that chunk', () => {
    const sink = new Collector();
    const decoder = new FrameDecoder(sink);
    const chunk = Buffer.concat([encodeFrame(1, Buffer.from([1, 2, 3])), encodeFrame(2, Buffer.from([4]))]);
    decoder.push(chunk);
    expect(sink.frames.map((f) => f.msgid)).toEqual([1, 2]);
    expect(sink.frames[0].body.buffer).toBe(chunk.buffer);
    expect(sink.frames[1].body.byteOffset).toBe(chunk.byteOffset + 19);
  });

  it('keeps a partial frame and completes it one byte at a time', () => {
    const sink = new Collector();
    const decoder = new FrameDecoder(sink);
    const frame = encodeFrame(9, Buffer.from('hello'));
    for (let i = 0; i < frame.length - 1; i++) {
      decoder.push(frame.subarray(i, i + 1));
      expect(decoder.bufferedBytes).toBe(i + 1);
    }
    expect(sink.frames).toHaveLength(0);
    decoder.push(frame.subarray(frame.length - 1));
    expect(sink.frames).toHaveLength(1);
    expect(sink.frames[0].body.toString()).toBe('hello');
    expect(decoder.bufferedBytes).toBe(0);
  });

  describe('rejects a malformed header without allocating msglen bytes', () => {
    afterEach(() => {
      vi.restoreAllMocks();
    });

    for (const msglen of [-1, MAX_BODY_BYTES + 1, 0x7fffffff]) {
      for (const split of [false, true]) {
        it(`msglen ${msglen}${split ? ', header split across reads' : ''}`, () => {
          const sizes: number[] = [];
          const record = (size: number): void => {
            sizes.push(size);
          };
          const allocUnsafe = Buffer.allocUnsafe;
          const alloc = Buffer.alloc;
          vi.spyOn(Buffer, 'allocUnsafe').mockImplementation((size: number) => {
            record(size);
            return allocUnsafe(size);
          });
          vi.spyOn(Buffer, 'alloc').mockImplementation(
            (size: number, fill?: string | Uint8Array | number, enc?: BufferEncoding) => {
              record(size);
              return alloc(size, fill, enc);
            },
          );

          const sink = new Collector();
          const decoder = new FrameDecoder(sink);
          const good = encodeFrame(4, Buffer.from([1, 2]));
          const bad = Buffer.concat([header(5, msglen), Buffer.alloc(100)]);
          let result: LarsError | null;
          if (split) {
            expect(decoder.push(Buffer.concat([good, bad.subarray(0, 5)]))).toBeNull();
            result = decoder.push(bad.subarray(5));
          } else {
            result = decoder.push(Buffer.concat([good, bad]));
          }

          expect(result).toBeInstanceOf(LarsError);
          expect(result?.code).toBe(ErrorCode.BAD_FRAME);
          expect(decoder.error).toBe(result);
          // The good frame before the bad header is still delivered.
          expect(sink.frames.map((f) => f.msgid)).toEqual([4]);
          expect(decoder.bufferedBytes).toBeLessThanOrEqual(HEADER_BYTES);
          expect(sizes.every((s) => s <= MAX_FRAME_BYTES)).toBe(true);
          // Poisoned: later input is not decoded.
          expect(decoder.push(encodeFrame(6, Buffer.from([1])))).toBe(result);
          expect(sink.frames).toHaveLength(1);
        });
      }
    }
  });

  it('can be reset after an error', () => {
    const sink = new Collector();
    const decoder = new FrameDecoder(sink);
    expect(decoder.push(header(1, -5))).not.toBeNull();
    decoder.reset();
    expect(decoder.push(encodeFrame(1, Buffer.from([7])))).toBeNull();
    expect(sink.frames.map((f) => f.msgid)).toEqual([1]);
  });
});

describe('decodeDatagram', () => {
  it('returns the frame of a well-formed datagram as a view', () => {
    const dgram = encodeFrame(4, Buffer.from('08071001', 'hex'));
    const frame = decodeDatagram(dgram);
    expect(typeof frame).toBe('object');
    if (typeof frame === 'string') throw new Error(frame);
    expect(frame.msgid).toBe(4);
    expect(frame.body.toString('hex')).toBe('08071001');
    expect(frame.body.buffer).toBe(dgram.buffer);
    expect(decodeDatagram(encodeFrame(8, new Uint8Array(0)))).toMatchObject({ msgid: 8 });
  });

  it('reports why a datagram is not one frame', () => {
    expect(decodeDatagram(Buffer.alloc(7))).toBe(DatagramError.TOO_SHORT);
    expect(decodeDatagram(header(1, -1))).toBe(DatagramError.BAD_MSGLEN);
    expect(decodeDatagram(header(1, 0x7fffffff))).toBe(DatagramError.BAD_MSGLEN);
    expect(decodeDatagram(Buffer.concat([header(1, 4), Buffer.alloc(3)]))).toBe(DatagramError.LENGTH_MISMATCH);
    expect(decodeDatagram(Buffer.concat([header(1, 4), Buffer.alloc(5)]))).toBe(DatagramError.LENGTH_MISMATCH);
    expect(datagramError(Buffer.concat([header(1, 4), Buffer.alloc(4)]))).toBeNull();
  });
});
