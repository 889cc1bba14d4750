// The rollup's half of a writer thread (writer-worker.ts): per batch, the
// calls each (stream, bucket) gained (rollup-counter.ts), starting streams it
// has not seen from their ServerCallStatus rows, then written into
// CallStatusMinute by a BatchWriter of its own (same ordering, retries and
// bisecting as the ServerCallStatus rows).
import { Backoff, type BackoffOptions, type Logger, type SharedCounters } from '@lars/reactor';
import {
  readCallStatus,
  rollupRowBytes,
  throttledMysqlError,
  upsertRollup,
  UPSERT_ROLLUP_FIXED_BYTES,
  type CallStatusRow,
  type RollupRow,
} from '@lars/store';
import { LogThrottle } from '@lars/wire';
import { BatchWriter } from './batch-writer.js';
import { RollupCounter } from './rollup-counter.js';
import { pause, type WriterLink } from './writer-link.js';
import type { WRITER_COUNTERS } from './writer-protocol.js';

export interface RollupWriterParts {
  index: number;
  link: WriterLink;
  counters: SharedCounters<(typeof WRITER_COUNTERS)[number]>;
  intervalS: number;
  stateTtlMs: number;
  /** Counted calls are written at most this often (one row per stream and bucket per flush). */
  flushMs: number;
  budgetBytes(): number;
  backoff: BackoffOptions;
  abandon: AbortSignal;
  warnIntervalMs: number;
  logger: Logger;
}

export class RollupWriter {
  private readonly counter: RollupCounter;
  private readonly writer: BatchWriter<RollupRow>;
  private readonly readBackoff: Backoff;
  private readonly throttle: LogThrottle;
  private lastFlushMs = Date.now();
  /** flush() calls run one after another (the batch path and the idle timer). */
  private flushing: Promise<void> = Promise.resolve();

  constructor(private readonly parts: RollupWriterParts) {
    const { index, counters, logger, abandon } = parts;
    this.counter = new RollupCounter({ intervalS: parts.intervalS, stateTtlMs: parts.stateTtlMs });
    this.readBackoff = new Backoff(parts.backoff);
    this.throttle = new LogThrottle(parts.warnIntervalMs);
    const throttle = this.throttle;
    this.writer = new BatchWriter<RollupRow>({
      execute: (rows) => parts.link.run((c) => upsertRollup(c, rows), abandon),
      sizing: { rowBytes: rollupRowBytes, fixedBytes: UPSERT_ROLLUP_FIXED_BYTES },
      budgetBytes: parts.budgetBytes,
      backoff: new Backoff(parts.backoff),
      sleep: (ms) => pause(ms, abandon),
      abandoned: () => abandon.aborted,
      events: {
        written(n) {
          counters.add(index, 'rollupRowsWritten', n);
          counters.set(index, 'writeFailing', 0);
        },
        retrying(err, n, retryInMs) {
          counters.add(index, 'batchFailures', 1);
          counters.set(index, 'writeFailing', 1);
          const fields = throttledMysqlError(err, throttle);
          if (fields !== null)
            logger.error({ ...fields, rows: n, retryInMs }, 'MySQL rollup write failed; retrying the batch');
        },
        bisecting(err, n) {
          counters.add(index, 'batchFailures', 1);
          const fields = throttledMysqlError(err, throttle);
          if (fields !== null)
            logger.warn({ ...fields, rows: n }, 'MySQL refused part of a rollup statement; splitting it');
        },
        refused(row, err) {
          counters.add(index, 'rollupRowsLost', 1);
          const fields = throttledMysqlError(err, throttle);
          if (fields === null) return;
          const [modid, cmdid, ip, port, caller, minute] = row;
          logger.warn({ ...fields, modid, cmdid, ip, port, caller, minute }, 'MySQL refused a rollup row; dropped');
        },
        split() {
          counters.add(index, 'statementSplits', 1);
        },
        recovered(failures, n) {
          logger.info({ failures, rows: n }, 'MySQL rollup write succeeded again');
        },
      },
    });
  }

  /**
   * Counts the calls of `batch` (before its ServerCallStatus upsert, so that
   * a stream new to this writer starts from the row as it was); false when
   * the close deadline passed while MySQL could not be read. Synchronous
   * when every stream is known (the common case: no promise per batch).
   */
  count(batch: readonly CallStatusRow[]): boolean | Promise<boolean> {
    const c = this.counter.counts;
    const before = [c.duplicates, c.older, c.resets];
    const at = this.counter.addKnown(batch, Date.now());
    if (at === batch.length) return this.report(before);
    // Rows from `at` on include streams this writer holds no state for: start those from MySQL.
    const missing = this.counter.missing(at === 0 ? batch : batch.slice(at));
    return this.readStored(missing, batch.length).then((stored) => {
      if (stored === null) return false;
      this.counter.seed(missing, stored, Date.now());
      this.counter.addKnown(batch, Date.now(), at);
      return this.report(before);
    });
  }

  /** The counters after a batch was counted; `before`: the counter's duplicates, older and resets before it. */
  private report(before: readonly number[]): true {
    const c = this.counter.counts;
    const { index, counters } = this.parts;
    counters.set(index, 'rollupPending', this.counter.pendingRows);
    counters.add(index, 'rollupDuplicates', c.duplicates - before[0]);
    counters.add(index, 'rollupOlder', c.older - before[1]);
    counters.add(index, 'rollupResets', c.resets - before[2]);
    return true;
  }

  /**
   * Writes the counted rows when flushMs has passed since the last flush, or
   * at once with `force` (at close); rows left at the close deadline are
   * counted lost. null when not due (no promise per batch).
   */
  flush(force: boolean): Promise<void> | null {
    if (!force && Date.now() - this.lastFlushMs < this.parts.flushMs) return null;
    this.lastFlushMs = Date.now();
    this.flushing = this.flushing.then(async () => {
      const now = Date.now();
      const rows = this.counter.takeRows(now);
      const left = await this.writer.write(rows);
      const { index, counters } = this.parts;
      if (left > 0) counters.add(index, 'rollupRowsLost', left);
      counters.set(index, 'rollupPending', this.counter.pendingRows);
    });
    return this.flushing;
  }

  /**
   * Reads the stored rows of `keys`, retrying with backoff; null once
   * abandoned. It is the first step of writing the batch (`rows`), so it logs
   * as the batch's write does, with `step: 'read'`.
   */
  private async readStored(keys: Parameters<typeof readCallStatus>[1], rows: number): Promise<CallStatusRow[] | null> {
    const { link, abandon, index, counters, logger } = this.parts;
    let failures = 0;
    for (;;) {
      if (abandon.aborted) return null;
      try {
        const stored = await link.run((c) => readCallStatus(c, keys), abandon);
        this.readBackoff.reset();
        if (failures > 0) {
          counters.set(index, 'writeFailing', 0);
          logger.info({ failures, rows, step: 'read' }, 'MySQL write succeeded again');
        }
        return stored;
      } catch (err) {
        if (abandon.aborted) return null;
        failures++;
        counters.add(index, 'batchFailures', 1);
        counters.set(index, 'writeFailing', 1);
        const retryInMs = this.readBackoff.next();
        const fields = throttledMysqlError(err, this.throttle);
        if (fields !== null)
          logger.error({ ...fields, rows, retryInMs, step: 'read' }, 'MySQL write failed; retrying the batch');
        await pause(retryInMs, abandon);
      }
    }
  }
}
