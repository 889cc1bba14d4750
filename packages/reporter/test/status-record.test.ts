import { describe, expect, it } from 'vitest';
import { decodeBody, encodeBody, MessageId } from '@lars/proto';
import type { CallStatusRow } from '@lars/store';
import { readStatusRecord, StatusRecordWriter } from '../src/internal.js';

const decoded = (req: Parameters<typeof encodeBody<3>>[1]) =>
  decodeBody(MessageId.ReportStatusRequest, encodeBody(MessageId.ReportStatusRequest, req));

describe('status record', () => {
  it('carries a decoded ReportStatusRequest to ServerCallStatus rows, unsigned IPs included', () => {
    const writer = new StatusRecordWriter();
    const record = writer.encode(
      decoded({
        modid: -5,
        cmdid: 2,
        caller: 3232235953,
        ts: 4_000_000_000,
        results: [
          { ip: 4294967295, port: 65535, succ: 10, err: 2, overload: false },
          { ip: 2130706433, port: 1, succ: 0, err: 4_000_000_000, overload: true },
        ],
      }),
    );
    const rows: CallStatusRow[] = [];
    expect(readStatusRecord(Uint8Array.from(record!), rows)).toBe(2);
    expect(rows).toEqual([
      [-5, 2, 4294967295, 65535, 3232235953, 10, 2, 4_000_000_000, '0'],
      [-5, 2, 2130706433, 1, 3232235953, 0, 4_000_000_000, 4_000_000_000, '1'],
    ]);
  });

  it('grows its scratch buffer for large requests and reads records that follow each other', () => {
    const writer = new StatusRecordWriter();
    const results = Array.from({ length: 1000 }, (_, i) => ({
      ip: i + 1,
      port: i + 1,
      succ: i,
      err: 0,
      overload: false,
    }));
    const big = Uint8Array.from(writer.encode(decoded({ modid: 1, cmdid: 1, results }))!);
    const small = Uint8Array.from(writer.encode(decoded({ modid: 2, cmdid: 2 }))!);
    const rows: CallStatusRow[] = [];
    expect(readStatusRecord(big, rows)).toBe(1000);
    expect(readStatusRecord(small, rows)).toBe(0);
    expect(rows[999]).toEqual([1, 1, 1000, 1000, 0, 999, 0, 0, '0']);
  });

  it('leaves out the rows ServerCallStatus cannot hold (a negative port), naming each and why', () => {
    const rejected: Array<[number, string]> = [];
    const writer = new StatusRecordWriter((result, reason) => rejected.push([result.port ?? 0, reason]));
    const results = [
      { ip: 1, port: 80, succ: 1, err: 0, overload: false },
      { ip: 2, port: -1, succ: 1, err: 0, overload: false },
      { ip: 3, port: 2147483647, succ: 1, err: 0, overload: false },
      { ip: 4, port: -2147483648, succ: 1, err: 0, overload: false },
    ];
    const rows: CallStatusRow[] = [];
    expect(readStatusRecord(Uint8Array.from(writer.encode(decoded({ modid: 1, cmdid: 1, results }))!), rows)).toBe(2);
    expect(rows.map((r) => [r[2], r[3]])).toEqual([
      [1, 80],
      [3, 2147483647],
    ]);
    expect(rejected).toEqual([
      [-1, 'port_out_of_range'],
      [-2147483648, 'port_out_of_range'],
    ]);
    // Nothing left to store: no record at all.
    const none = writer.encode(decoded({ modid: 1, cmdid: 1, results: [results[1]] }));
    expect(none).toBeNull();
    expect(rejected).toHaveLength(3);
  });
});
