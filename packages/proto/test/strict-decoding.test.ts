// decodeBody is strict where protobufjs alone is lax (scripts/gen.mjs, patch 4):
// a known field of another wire type, field number 0, the group wire types and
// 6/7, and a varint past 10 bytes are errors (the daemons count `badBody`);
// varints end at their first byte below 0x80, and unknown fields are skipped.
import { describe, expect, it } from 'vitest';
import { decodeBody, MessageId } from '../src/index.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// Every field of every message: [msgid, field number, its wire type].
const FIELDS: ReadonlyArray<readonly [MessageId, number, 0 | 2]> = [
  [MessageId.GetRouteRequest, 1, 0],
  [MessageId.GetRouteRequest, 2, 0],
  [MessageId.GetRouteResponse, 1, 0],
  [MessageId.GetRouteResponse, 2, 0],
  [MessageId.GetRouteResponse, 3, 2],
  [MessageId.ReportStatusRequest, 1, 0],
  [MessageId.ReportStatusRequest, 2, 0],
  [MessageId.ReportStatusRequest, 3, 0],
  [MessageId.ReportStatusRequest, 4, 2],
  [MessageId.ReportStatusRequest, 5, 0],
  [MessageId.GetHostRequest, 1, 0],
  [MessageId.GetHostRequest, 2, 0],
  [MessageId.GetHostRequest, 3, 0],
  [MessageId.GetHostResponse, 1, 0],
  [MessageId.GetHostResponse, 2, 0],
  [MessageId.GetHostResponse, 3, 0],
  [MessageId.GetHostResponse, 4, 0],
  [MessageId.GetHostResponse, 5, 2],
  [MessageId.ReportRequest, 1, 0],
  [MessageId.ReportRequest, 2, 0],
  [MessageId.ReportRequest, 3, 2],
  [MessageId.ReportRequest, 4, 0],
  [MessageId.ReportRequest, 5, 0],
];

/** One field of wire type `wt` with a well-formed payload for that wire type. */
function field(num: number, wt: number): Buffer {
  const tag = Buffer.from([(num << 3) | wt]);
  const payload: Record<number, string> = { 0: '01', 1: '0102030405060708', 2: '00', 5: '01020304' };
  return Buffer.concat([tag, hex(payload[wt] ?? '')]);
}

describe('strict wire types', () => {
  for (const [msgid, num, own] of FIELDS) {
    for (const wt of [0, 1, 2, 5]) {
      if (wt === own) continue;
      it(`msgid ${msgid} field ${num} (wire type ${own}) with wire type ${wt} does not decode`, () => {
        expect(() => decodeBody(msgid, field(num, wt))).toThrow(`wire type ${wt} for field ${num}`);
      });
    }
  }

  it('a field of the wrong wire type inside an embedded message does not decode', () => {
    // GetRouteResponse {host: [HostInfo {port as fixed32}]}
    expect(() => decodeBody(MessageId.GetRouteResponse, hex('1a05 1501020304'))).toThrow('wire type 5 for field 2');
  });

  it('each known field of its own wire type decodes', () => {
    expect(decodeBody(MessageId.GetHostRequest, hex('0807 1001 1802'))).toMatchObject({ seq: 7, modid: 1, cmdid: 2 });
    expect(decodeBody(MessageId.ReportRequest, hex('1a04 08011002 2001'))).toMatchObject({
      host: { ip: 1, port: 2 },
      retcode: 1,
    });
  });
});

describe('unknown fields, field 0 and invalid wire types', () => {
  for (const wt of [0, 1, 2, 5]) {
    it(`skips an unknown field of wire type ${wt}`, () => {
      const body = Buffer.concat([field(9, wt), hex('0807 1001 1802')]);
      expect(decodeBody(MessageId.GetHostRequest, body)).toMatchObject({ seq: 7, modid: 1, cmdid: 2 });
    });
  }

  for (const wt of [3, 4, 6, 7]) {
    it(`rejects wire type ${wt} on an unknown field`, () => {
      expect(() => decodeBody(MessageId.GetHostRequest, Buffer.from([(9 << 3) | wt, 0x0c]))).toThrow(
        `invalid wire type ${wt}`,
      );
    });
  }

  it('rejects field number 0', () => {
    expect(() => decodeBody(MessageId.GetRouteRequest, hex('0001'))).toThrow('invalid field number 0');
  });

  it('rejects an unknown length-delimited field that runs past the end', () => {
    expect(() => decodeBody(MessageId.GetRouteRequest, hex('4a05 0102'))).toThrow('runs past the end');
  });

  it('rejects an unknown fixed64 field that runs past the end', () => {
    expect(() => decodeBody(MessageId.GetRouteRequest, hex('49 01020304'))).toThrow('runs past the end');
  });
});

describe('varints', () => {
  it('reads a 10-byte negative int32 (the original peers write 128.x and up so)', () => {
    expect(decodeBody(MessageId.GetRouteRequest, hex('08 ffffffffffffffffff01 1002'))).toMatchObject({
      modid: -1,
      cmdid: 2,
    });
  });

  it('ends a varint at its first byte below 0x80, even past byte 5 (protobufjs skipped bytes 6-10 unread)', () => {
    // modid: a 6-byte varint of 1; then cmdid 2 and seq 9. protobufjs alone read cmdid as 0.
    expect(decodeBody(MessageId.GetHostRequest, hex('10 818080808000 1802 0809'))).toMatchObject({
      seq: 9,
      modid: 1,
      cmdid: 2,
    });
  });

  it('keeps the low 32 bits of a varint over 32 bits', () => {
    // 2^32 + 5 as a uint32 field: 5.
    expect(decodeBody(MessageId.GetHostRequest, hex('08 8580808010'))).toMatchObject({ seq: 5 });
  });

  it('rejects a varint longer than 10 bytes', () => {
    expect(() => decodeBody(MessageId.GetRouteRequest, hex('08 ffffffffffffffffff8101'))).toThrow(
      'longer than 10 bytes',
    );
  });

  it('rejects a varint cut by the end of the body', () => {
    expect(() => decodeBody(MessageId.GetRouteRequest, hex('08 ff'))).toThrow('index out of range');
    expect(() => decodeBody(MessageId.GetRouteRequest, hex('08'))).toThrow('index out of range');
  });

  it('rejects an embedded message whose length runs past the body', () => {
    expect(() => decodeBody(MessageId.GetRouteResponse, hex('1a05 0801'))).toThrow('index out of range');
  });

  it('reads non-minimal varints (padding bytes 0x80) as their value', () => {
    expect(decodeBody(MessageId.GetRouteRequest, hex('08 8100 10 82808000'))).toMatchObject({ modid: 1, cmdid: 2 });
  });

  it('reads a bool from any varint: nonzero low 32 bits are true', () => {
    const res = decodeBody(MessageId.ReportStatusRequest, hex('2202 2802'));
    expect(res.results[0].overload).toBe(true);
  });
});
