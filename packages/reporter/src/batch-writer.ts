import {
  callStatusRowBytes,
  classifyMysqlError,
  isStatementTooLarge,
  MysqlErrorClass,
  UPSERT_CALL_STATUS_FIXED_BYTES,
  type CallStatusRow,
} from '@lars/store';
import type { Backoff } from '@lars/reactor';

/** How big a row's part of a statement is, and the statement around the rows. */
export interface StatementSizing<R> {
  rowBytes(row: R): number;
  fixedBytes: number;
}

/** The ServerCallStatus upsert's sizing (the default). */
export const CALL_STATUS_SIZING: StatementSizing<CallStatusRow> = {
  rowBytes: callStatusRowBytes,
  fixedBytes: UPSERT_CALL_STATUS_FIXED_BYTES,
};

/** What a BatchWriter reports; the writer thread turns these into counters and log lines. */
export interface BatchWriterEvents<R = CallStatusRow> {
  /** One statement MySQL took, of `rows` rows, in `ms`. */
  written(rows: number, ms: number): void;
  /** A statement failed and will be sent again after `retryInMs` (a transient or setup error). */
  retrying(err: unknown, rows: number, retryInMs: number): void;
  /** MySQL refused this row on its own (a row-level error, or a row too big for any statement): dropped. */
  refused(row: R, err: unknown): void;
  /**
   * A statement of `rows` rows failed for some of its rows (or its size): it
   * is split in halves (a single row is refused instead, see refused()).
   */
  bisecting(err: unknown, rows: number): void;
  /** A batch was cut into `statements` statements to keep each under the byte budget. */
  split(statements: number): void;
  /** A statement went through after `failures` failed attempts. */
  recovered(failures: number, rows: number): void;
}

export interface BatchWriterParts<R = CallStatusRow> {
  /** Runs one upsert statement of `rows` (mysql2 on the writer's connection; a fake in unit tests). */
  execute(rows: readonly R[]): Promise<void>;
  /** The statement's sizing; ServerCallStatus's by default (the rollup's writer passes its own). */
  sizing?: StatementSizing<R>;
  /** The current byte budget of one statement (it follows the server's max_allowed_packet). */
  budgetBytes(): number;
  backoff: Backoff;
  /** Waits `ms`, or less once abandoned() turns true. */
  sleep(ms: number): Promise<void>;
  /** True once the close deadline passed: stop retrying, report the rest as unwritten. */
  abandoned(): boolean;
  events: BatchWriterEvents<R>;
  now?: () => number;
}

/**
 * Writes a writer's batch of rows into ServerCallStatus (or, with its own
 * sizing and execute, CallStatusMinute), in order, so that a
 * later snapshot of a key always lands after an earlier one:
 *   - cut into consecutive statements of at most budgetBytes() each;
 *   - a transient failure (connection lost or refused, lock wait, deadlock,
 *     read-only node) or a setup one (missing table, access denied) is retried
 *     with backoff, and nothing after it is sent first;
 *   - a row-level failure (MySQL refuses a value) or a statement too large
 *     splits the statement in halves, recursively, until the refused rows
 *     stand alone: they are dropped and reported, every other row is written.
 * Nothing is dropped for any other reason; once abandoned() the rows not yet
 * taken are returned as unwritten.
 */
export class BatchWriter<R = CallStatusRow> {
  private readonly parts: BatchWriterParts<R>;
  private readonly sizing: StatementSizing<R>;
  private readonly now: () => number;
  /** Failed attempts since the last statement that went through. */
  private failures = 0;

  constructor(parts: BatchWriterParts<R>) {
    this.parts = parts;
    this.sizing = parts.sizing ?? (CALL_STATUS_SIZING as unknown as StatementSizing<R>);
    this.now = parts.now ?? (() => performance.now());
  }

  /** Writes `rows` (see the class comment); resolves with how many were left unwritten (0 unless abandoned). */
  async write(rows: readonly R[]): Promise<number> {
    if (rows.length === 0) return 0;
    const statements = splitByBytes(rows, this.parts.budgetBytes(), this.sizing);
    if (statements.length > 1) this.parts.events.split(statements.length);
    for (let i = 0; i < statements.length; i++) {
      const left = await this.writeStatement(statements[i]);
      if (left > 0) return left + statements.slice(i + 1).reduce((n, s) => n + s.length, 0);
    }
    return 0;
  }

  /** One statement, retried or bisected until done; resolves with the rows left unwritten when abandoned. */
  private async writeStatement(rows: readonly R[]): Promise<number> {
    for (;;) {
      if (this.parts.abandoned()) return rows.length;
      const t0 = this.now();
      try {
        await this.parts.execute(rows);
      } catch (err) {
        if (this.parts.abandoned()) return rows.length;
        const split = isStatementTooLarge(err) || classifyMysqlError(err) === MysqlErrorClass.ROW;
        if (split) {
          this.parts.events.bisecting(err, rows.length);
          if (rows.length === 1) {
            this.parts.events.refused(rows[0], err);
            return 0;
          }
          const mid = rows.length >>> 1;
          const left = await this.writeStatement(rows.slice(0, mid));
          if (left > 0) return left + rows.length - mid;
          return this.writeStatement(rows.slice(mid));
        }
        this.failures++;
        const retryInMs = this.parts.backoff.next();
        this.parts.events.retrying(err, rows.length, retryInMs);
        await this.parts.sleep(retryInMs);
        continue;
      }
      this.parts.events.written(rows.length, this.now() - t0);
      if (this.failures > 0) this.parts.events.recovered(this.failures, rows.length);
      this.failures = 0;
      this.parts.backoff.reset();
      return 0;
    }
  }
}

/**
 * Consecutive runs of `rows` whose upsert statements stay within `budget`
 * bytes. A row too big for any statement on its own still gets one (MySQL
 * then refuses it, and it is dropped as refused).
 */
export function splitByBytes<R = CallStatusRow>(
  rows: readonly R[],
  budget: number,
  sizing: StatementSizing<R> = CALL_STATUS_SIZING as unknown as StatementSizing<R>,
): R[][] {
  const out: R[][] = [];
  let current: R[] = [];
  let bytes = sizing.fixedBytes;
  for (const row of rows) {
    const b = sizing.rowBytes(row);
    if (current.length > 0 && bytes + b > budget) {
      out.push(current);
      current = [];
      bytes = sizing.fixedBytes;
    }
    current.push(row);
    bytes += b;
  }
  if (current.length > 0) out.push(current);
  return out;
}
