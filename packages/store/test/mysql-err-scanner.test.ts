// MysqlErrScanner: the ERR packets in a server's byte stream, wherever the
// chunks split it, and nothing else (a continuation or a row that starts
// with 0xff-looking bytes).
import { describe, expect, it } from 'vitest';
import { MysqlErrScanner } from '../src/mysql-err-scanner.js';

/** One packet: 3-byte length, sequence byte, payload. */
function packet(payload: number[] | Uint8Array, seq = 1): Uint8Array {
  const out = new Uint8Array(4 + payload.length);
  const n = payload.length;
  out.set([n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, seq & 0xff]);
  out.set(payload, 4);
  return out;
}

const err = (errno: number, message = '#HY000oops') => [
  0xff,
  errno & 0xff,
  errno >> 8,
  ...Buffer.from(message, 'latin1'),
];
const OK = [0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00];

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function scan(chunks: Uint8Array[]): number[] {
  const seen: number[] = [];
  const scanner = new MysqlErrScanner((errno) => seen.push(errno));
  for (const c of chunks) scanner.feed(c);
  return seen;
}

describe('MysqlErrScanner', () => {
  // OK, a row whose first value is NULL (0xfb), ERR 1047, an empty packet, a 2-byte ERR (too short to
  // carry an errno), ERR 1290 with an empty message.
  const stream = concat([
    packet(OK),
    packet([0xfb, 0x03, 0x61, 0x62, 0x63]),
    packet(err(1047)),
    packet([]),
    packet([0xff, 0x17]),
    packet(err(1290, '')),
  ]);

  it('reports each ERR packet once, in order, fed whole', () => {
    expect(scan([stream])).toEqual([1047, 1290]);
  });

  it('reports the same wherever one split falls', () => {
    for (let at = 0; at <= stream.length; at++) {
      expect(scan([stream.subarray(0, at), stream.subarray(at)]), `split at ${at}`).toEqual([1047, 1290]);
    }
  });

  it('reports the same fed a byte at a time', () => {
    expect(scan(Array.from(stream, (b) => Uint8Array.of(b)))).toEqual([1047, 1290]);
  });

  it('does not read the continuation of a 16 MiB packet as a new one', () => {
    // A payload of 0xffffff bytes continues in the next packet, whose first bytes are data that look like ERR 1047.
    const big = new Uint8Array(0xffffff);
    const tail = Uint8Array.from(err(1047));
    const chunks = [packet(big), packet(tail, 2), packet(err(1290), 3)];
    const whole = concat(chunks);
    expect(scan([whole])).toEqual([1290]);
    expect(scan([whole.subarray(0, 5), whole.subarray(5, 0xffffff + 6), whole.subarray(0xffffff + 6)])).toEqual([1290]);
  });
});
