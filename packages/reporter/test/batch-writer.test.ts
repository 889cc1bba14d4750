// BatchWriter's rules as pure logic, with a fake executor standing in for
// MySQL: statements cut by bytes, transient failures retried in order, rows
// MySQL refuses isolated by bisection, give-up at the close deadline. The
// byte count is checked against mysql2's own expansion of the statement.
import mysql from 'mysql2';
import { describe, expect, it } from 'vitest';
import { Backoff } from '@lars/reactor';
import {
  callStatusRowBytes,
  UPSERT_CALL_STATUS_FIXED_BYTES,
  UPSERT_CALL_STATUS_SQL,
  type CallStatusRow,
} from '@lars/store';
import { BatchWriter, splitByBytes, type BatchWriterEvents } from '../src/batch-writer.js';

const row = (i: number, port = 80): CallStatusRow => [1, 2, 167772161 + i, port, 2130706433, i, 0, 1_700_000_000, '0'];

/** An error shaped as mysql2 throws it. */
function mysqlError(code: string, errno: number, sqlState: string, fatal = false): Error {
  return Object.assign(new Error(code), { code, errno, sqlState, fatal });
}
const OUT_OF_RANGE = () => mysqlError('ER_WARN_DATA_OUT_OF_RANGE', 1264, '22003');
const LOCK_WAIT = () => mysqlError('ER_LOCK_WAIT_TIMEOUT', 1205, 'HY000');
const TOO_LARGE = () => mysqlError('ER_NET_PACKET_TOO_LARGE', 1153, '08S01');

interface Harness {
  writer: BatchWriter;
  /** Every statement attempted, as the rows' succ values, in order. */
  attempts: number[][];
  /** The statements that went through. */
  written: number[][];
  log: string[];
  sleeps: number[];
  abandon(): void;
}

/** `fail(rows, attempt)` returns an error to throw for that attempt, or null to take it. */
function harness(fail: (rows: readonly CallStatusRow[], attempt: number) => Error | null, budget = 1 << 20): Harness {
  const attempts: number[][] = [];
  const written: number[][] = [];
  const log: string[] = [];
  const sleeps: number[] = [];
  let abandoned = false;
  const events: BatchWriterEvents = {
    written: (n) => log.push(`written ${n}`),
    retrying: (err, n, ms) => log.push(`retry ${(err as { code: string }).code} ${n} in ${ms}`),
    bisecting: (err, n) => log.push(`bisect ${(err as { code: string }).code} ${n}`),
    refused: (r, err) => log.push(`refused ${r[5]} ${(err as { code: string }).code}`),
    split: (n) => log.push(`split ${n}`),
    recovered: (failures, n) => log.push(`recovered ${failures} ${n}`),
  };
  const writer = new BatchWriter({
    async execute(rows) {
      const succ = rows.map((r) => r[5]);
      attempts.push(succ);
      const err = fail(rows, attempts.length);
      if (err !== null) throw err;
      written.push(succ);
    },
    budgetBytes: () => budget,
    backoff: new Backoff({ initialMs: 10, maxMs: 40, factor: 2, jitter: 0 }),
    sleep: async (ms) => void sleeps.push(ms),
    abandoned: () => abandoned,
    events,
    now: () => 0,
  });
  return { writer, attempts, written, log, sleeps, abandon: () => (abandoned = true) };
}

const rows = (n: number, from = 0) => Array.from({ length: n }, (_, i) => row(from + i));

describe('BatchWriter', () => {
  it('counts the bytes of a statement exactly as mysql2 expands it', () => {
    const batch = [
      row(0),
      row(1, 0),
      [-2147483648, 2147483647, 4294967295, 4294967295, 0, 0, 4294967295, 0, '1'] as CallStatusRow,
    ];
    const sql = mysql.format(UPSERT_CALL_STATUS_SQL, [batch]);
    expect(UPSERT_CALL_STATUS_FIXED_BYTES + batch.reduce((n, r) => n + callStatusRowBytes(r), 0)).toBe(
      Buffer.byteLength(sql),
    );
  });

  it('cuts a batch into consecutive statements under the byte budget', () => {
    // Rows of one width (two-digit succ), so the cut points are known.
    const batch = rows(100, 10).map((r, i) => [...r.slice(0, 5), 10 + (i % 90), ...r.slice(6)] as CallStatusRow);
    const one = callStatusRowBytes(batch[0]);
    const budget = UPSERT_CALL_STATUS_FIXED_BYTES + 30 * one;
    const statements = splitByBytes(batch, budget);
    expect(statements.map((s) => s.length)).toEqual([30, 30, 30, 10]);
    expect(statements.flat()).toEqual(batch);
    for (const s of statements)
      expect(Buffer.byteLength(mysql.format(UPSERT_CALL_STATUS_SQL, [s]))).toBeLessThanOrEqual(budget);
  });

  it('retries a transient failure with backoff, sending nothing after it first, and keeps order', async () => {
    const one = callStatusRowBytes(row(0));
    // Three statements of 4 rows; the second fails twice with a lock wait timeout.
    const h = harness(
      (r, attempt) => (r[0][5] === 4 && attempt <= 3 ? LOCK_WAIT() : null),
      UPSERT_CALL_STATUS_FIXED_BYTES + 4 * one + 4,
    );
    expect(await h.writer.write(rows(12))).toBe(0);
    expect(h.attempts).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [4, 5, 6, 7],
      [4, 5, 6, 7],
      [8, 9, 10, 11],
    ]);
    expect(h.written.flat()).toEqual(Array.from({ length: 12 }, (_, i) => i));
    expect(h.sleeps).toEqual([10, 20]);
    expect(h.log).toEqual([
      'split 3',
      'written 4',
      'retry ER_LOCK_WAIT_TIMEOUT 4 in 10',
      'retry ER_LOCK_WAIT_TIMEOUT 4 in 20',
      'written 4',
      'recovered 2 4',
      'written 4',
    ]);
  });

  it('isolates the rows MySQL refuses by bisection and writes every other row, in order', async () => {
    const bad = new Set([3, 6]);
    const h = harness((r) => (r.some((x) => bad.has(x[5])) ? OUT_OF_RANGE() : null));
    expect(await h.writer.write(rows(8))).toBe(0);
    expect(h.written.flat()).toEqual([0, 1, 2, 4, 5, 7]);
    expect(h.log.filter((l) => l.startsWith('refused'))).toEqual([
      'refused 3 ER_WARN_DATA_OUT_OF_RANGE',
      'refused 6 ER_WARN_DATA_OUT_OF_RANGE',
    ]);
    expect(h.sleeps).toEqual([]);
    expect(h.log.filter((l) => l.startsWith('recovered'))).toEqual([]);
  });

  it('splits a statement the server finds too large instead of resending it', async () => {
    const h = harness((r) => (r.length > 2 ? TOO_LARGE() : null));
    expect(await h.writer.write(rows(8))).toBe(0);
    expect(h.written).toEqual([
      [0, 1],
      [2, 3],
      [4, 5],
      [6, 7],
    ]);
    expect(h.sleeps).toEqual([]);
  });

  it('gives up at the close deadline and reports every row not written', async () => {
    const one = callStatusRowBytes(row(0));
    let h: Harness;
    h = harness(
      (r, attempt) => {
        if (attempt === 3) h.abandon();
        return r[0][5] === 5 ? LOCK_WAIT() : null;
      },
      UPSERT_CALL_STATUS_FIXED_BYTES + 5 * one + 5,
    );
    // 5 written, then the second statement (5 rows) and the third (2 rows) are left.
    expect(await h.writer.write(rows(12))).toBe(7);
    expect(h.written.flat()).toEqual([0, 1, 2, 3, 4]);
    expect(await h.writer.write(rows(3, 100))).toBe(3);
    expect(h.attempts).toHaveLength(3);
  });
});
