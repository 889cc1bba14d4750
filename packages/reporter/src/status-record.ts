import type { CallStatusRow } from '@lars/store';
import type { DecodedMessageMap } from '@lars/proto';
import { rowRejectReason, type RowRejectReason } from './row-check.js';

/**
 * The hand-off record of one ReportStatusRequest, from the network thread to
 * a writer through its SharedArrayBuffer queue: the network thread has
 * already decoded (and so validated) the protobuf body and left out the rows
 * the table cannot hold (row-check.ts), so writers read fixed-width fields
 * instead of decoding again.
 *
 *   header: modid i32, cmdid i32, caller u32, ts u32, results u32
 *   per result: ip u32, port i32, succ u32, err u32, overload u32 (0/1)
 * All little-endian.
 */
export const RECORD_HEADER_BYTES = 20;
export const RECORD_RESULT_BYTES = 20;

type ReportStatus = DecodedMessageMap[3];

type HostCallResult = ReportStatus['results'][number];

/** Called for each reported host that cannot be stored (row-check.ts); it is left out of the record. */
export type RejectedRow = (result: HostCallResult, reason: RowRejectReason, req: ReportStatus) => void;

/** Writes records into one growing scratch buffer, so encoding allocates only when a larger request arrives. */
export class StatusRecordWriter {
  private scratch = Buffer.alloc(4096);

  constructor(private readonly rejected?: RejectedRow) {}

  /**
   * The record of `req` without its rows that cannot be stored (each passed
   * to the constructor's `rejected`): a view into the scratch buffer, valid until the next call
   * (the queue copies it); null when every row of a non-empty request was
   * rejected (nothing to queue).
   */
  encode(req: ReportStatus): Uint8Array | null {
    const results = req.results;
    const most = RECORD_HEADER_BYTES + results.length * RECORD_RESULT_BYTES;
    if (most > this.scratch.length) this.scratch = Buffer.alloc(Math.max(most, this.scratch.length * 2));
    const b = this.scratch;
    b.writeInt32LE(req.modid | 0, 0);
    b.writeInt32LE(req.cmdid | 0, 4);
    b.writeUInt32LE(req.caller >>> 0, 8);
    b.writeUInt32LE(req.ts >>> 0, 12);
    let kept = 0;
    let at = RECORD_HEADER_BYTES;
    for (const r of results) {
      const reason = rowRejectReason(r);
      if (reason !== null) {
        this.rejected?.(r, reason, req);
        continue;
      }
      b.writeUInt32LE((r.ip ?? 0) >>> 0, at);
      b.writeInt32LE((r.port ?? 0) | 0, at + 4);
      b.writeUInt32LE((r.succ ?? 0) >>> 0, at + 8);
      b.writeUInt32LE((r.err ?? 0) >>> 0, at + 12);
      b.writeUInt32LE(r.overload ? 1 : 0, at + 16);
      at += RECORD_RESULT_BYTES;
      kept++;
    }
    if (kept === 0 && results.length > 0) return null;
    b.writeUInt32LE(kept, 16);
    return b.subarray(0, at);
  }
}

/** Appends the ServerCallStatus rows of one record to `rows`; returns how many. */
export function readStatusRecord(record: Uint8Array, rows: CallStatusRow[]): number {
  const v = new DataView(record.buffer, record.byteOffset, record.byteLength);
  const modid = v.getInt32(0, true);
  const cmdid = v.getInt32(4, true);
  const caller = v.getUint32(8, true);
  const ts = v.getUint32(12, true);
  const n = v.getUint32(16, true);
  let at = RECORD_HEADER_BYTES;
  for (let i = 0; i < n; i++) {
    rows.push([
      modid,
      cmdid,
      v.getUint32(at, true),
      v.getInt32(at + 4, true),
      caller,
      v.getUint32(at + 8, true),
      v.getUint32(at + 12, true),
      ts,
      v.getUint32(at + 16, true) === 1 ? '1' : '0',
    ]);
    at += RECORD_RESULT_BYTES;
  }
  return n;
}
