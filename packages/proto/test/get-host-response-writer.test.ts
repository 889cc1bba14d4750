// GetHostResponseWriter against protobufjs (encodeBody): the same bytes for
// edge values (zeros left out, negative int32 sign-extended, uint32 at its
// top, host absent / empty / full) and for seeded random ones.
import { describe, expect, it } from 'vitest';
import { FuzzRandom, fuzzSeed } from '../../../test-support/fuzz-random.js';
import { encodeBody, GetHostResponseWriter, MessageId, type GetHostResponse } from '../src/index.js';

const EDGES = [0, 1, 127, 128, 16383, 16384, 2 ** 31 - 1, -1, -128, -(2 ** 31), 3232235953 | 0];

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('GetHostResponseWriter', () => {
  it('writes what encodeBody writes for every edge value of every field', () => {
    const writer = new GetHostResponseWriter();
    const hosts = [null, { ip: 0, port: 0 }, ...EDGES.map((v) => ({ ip: v, port: v & 0xffff }))];
    let compared = 0;
    for (const seq of [0, 1, 300, 2 ** 32 - 1, 2 ** 31])
      for (const modid of EDGES)
        for (const retcode of [0, 1, 3, -2])
          for (const host of hosts) {
            const m: GetHostResponse = { seq, modid, cmdid: -modid | 0, retcode, host };
            expect(hex(writer.encode(m)), JSON.stringify(m)).toBe(hex(encodeBody(MessageId.GetHostResponse, m)));
            compared++;
          }
    expect(compared).toBe(5 * EDGES.length * 4 * (EDGES.length + 2));
  });

  it(`writes what encodeBody writes for random values (seed ${fuzzSeed()})`, () => {
    const rng = new FuzzRandom(fuzzSeed());
    const writer = new GetHostResponseWriter();
    const int32 = () => rng.next() | 0;
    for (let i = 0; i < 20_000; i++) {
      const m: GetHostResponse = {
        seq: int32() >>> 0,
        modid: int32(),
        cmdid: rng.chance(0.2) ? 0 : int32(),
        retcode: rng.below(4),
        host: rng.chance(0.3) ? null : { ip: int32(), port: rng.below(65536) },
      };
      expect(hex(writer.encode(m)), JSON.stringify(m)).toBe(hex(encodeBody(MessageId.GetHostResponse, m)));
    }
  });

  it('reuses its buffer: a view holds the latest message of its length', () => {
    const writer = new GetHostResponseWriter();
    const a = writer.encode({ seq: 1, modid: 1, cmdid: 1, retcode: 0, host: null });
    const b = writer.encode({ seq: 2, modid: 1, cmdid: 1, retcode: 0, host: null });
    expect(b).toBe(a);
    expect(hex(a)).toBe(
      hex(encodeBody(MessageId.GetHostResponse, { seq: 2, modid: 1, cmdid: 1, retcode: 0, host: null })),
    );
  });
});
