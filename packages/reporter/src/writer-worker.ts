// A reporter writer thread: takes ReportStatusRequest records from its queue,
// gathers what has queued up into one batch and writes it (BatchWriter: in
// order, in statements under the byte budget, transient failures retried
// with backoff, rows MySQL refuses isolated and dropped). While it retries it
// takes nothing new: the queue holds what arrives, up to its bound, where the
// oldest records are dropped (and counted) by the producer.
// Its connection (WriterLink) is opened at start and kept open: mysqlUp is
// that connection's state. Every error is logged with this writer's index
// (`worker`), the MySQL code, errno and message, at most one line per code
// and kind per warnIntervalMs, with how many were suppressed since.
// At the close deadline (WriterControl.ABANDON) it stops retrying, counts
// the rows still unwritten (its batch and its queue), logs them, and exits.
// The writer beats its heartbeat slot (the reporter's /healthz) and records
// each statement MySQL took into the batch histograms (its own row of each).
// With the rollup on, each batch also yields CallStatusMinute rows
// (rollup-writer.ts), counted before and written after its ServerCallStatus
// rows; writer 0 also sweeps old rows (prune-sweeper.ts).
import {
  Backoff,
  Heartbeat,
  poolWorkerContext,
  poolWorkerReady,
  runPoolWorker,
  SharedCounters,
  SharedHistogram,
} from '@lars/reactor';
import { throttledMysqlError, type CallStatusRow } from '@lars/store';
import { LogThrottle } from '@lars/wire';
import { BatchWriter } from './batch-writer.js';
import { PruneSweeper } from './prune-sweeper.js';
import { RollupWriter } from './rollup-writer.js';
import { BATCH_ROWS_BOUNDS, BATCH_WRITE_SECONDS_BOUNDS } from './reporter-metrics.js';
import { readStatusRecord } from './status-record.js';
import { pause, WriterLink } from './writer-link.js';
import {
  STATEMENT_BYTES_BEFORE_CONNECT,
  STATEMENT_HEADROOM_BYTES,
  WRITER_COUNTERS,
  WriterControl,
  type WriterData,
} from './writer-protocol.js';

const { index, data, logger } = poolWorkerContext();
const d = data as WriterData;
const counters = SharedCounters.attach(d.counters, WRITER_COUNTERS);
const batchSeconds = SharedHistogram.attach(d.batchSeconds, BATCH_WRITE_SECONDS_BOUNDS);
const batchRows = SharedHistogram.attach(d.batchRows, BATCH_ROWS_BOUNDS);
// Beats from its own timer, so also while a write waits on MySQL.
const heartbeat = new Heartbeat(d.heartbeats[index], d.heartbeatIntervalMs).start();
const writeThrottle = new LogThrottle(d.warnIntervalMs);
const refusedThrottle = new LogThrottle(d.warnIntervalMs);

const abandon = new AbortController();
const stop = new AbortController();
const control = new Int32Array(d.control);
const checkAbandon = (): void => {
  if (Atomics.load(control, 0) === WriterControl.ABANDON) abandon.abort();
};
// A pending waitAsync does not keep the thread alive, so it needs no cleanup.
const wait = Atomics.waitAsync(control, 0, WriterControl.RUN);
if (wait.async) void wait.value.then(checkAbandon);
else checkAbandon();

const link = new WriterLink({
  mysql: d.mysql,
  connectTimeoutMs: d.connectTimeoutMs,
  lockWaitTimeoutS: d.lockWaitTimeoutS,
  backoff: d.backoff,
  warnIntervalMs: d.warnIntervalMs,
  logger,
  onState(up, maxAllowedPacket) {
    counters.set(index, 'mysqlUp', up ? 1 : 0);
    counters.set(index, 'maxAllowedPacket', maxAllowedPacket);
    budgetBytes();
  },
});

function budgetBytes(): number {
  const server =
    link.maxAllowedPacket > 0 ? link.maxAllowedPacket - STATEMENT_HEADROOM_BYTES : STATEMENT_BYTES_BEFORE_CONNECT;
  const budget = d.maxStatementBytes > 0 ? Math.min(d.maxStatementBytes, server) : server;
  counters.set(index, 'statementBudget', budget);
  return budget;
}

const writer = new BatchWriter({
  execute: (rows) => link.upsert(rows, abandon.signal),
  budgetBytes,
  backoff: new Backoff(d.backoff),
  sleep: (ms) => pause(ms, abandon.signal),
  abandoned: () => abandon.signal.aborted,
  events: {
    written(n, ms) {
      // Histograms before counters: a reader that sees this statement counted sees it recorded too.
      batchSeconds.record(index, ms / 1000);
      batchRows.record(index, n);
      counters.add(index, 'rowsWritten', n);
      counters.add(index, 'batches', 1);
      counters.set(index, 'writeFailing', 0);
    },
    retrying(err, n, retryInMs) {
      counters.add(index, 'batchFailures', 1);
      counters.set(index, 'writeFailing', 1);
      const fields = throttledMysqlError(err, writeThrottle);
      if (fields !== null) logger.error({ ...fields, rows: n, retryInMs }, 'MySQL write failed; retrying the batch');
    },
    bisecting(err, n) {
      counters.add(index, 'batchFailures', 1);
      const fields = throttledMysqlError(err, writeThrottle);
      if (fields !== null) logger.warn({ ...fields, rows: n }, 'MySQL refused part of a statement; splitting it');
    },
    refused(row, err) {
      counters.add(index, 'rowsRefused', 1);
      const fields = throttledMysqlError(err, refusedThrottle);
      if (fields === null) return;
      const [modid, cmdid, ip, port, caller] = row;
      logger.warn({ ...fields, modid, cmdid, ip, port, caller }, 'MySQL refused a row; dropped');
    },
    split() {
      counters.add(index, 'statementSplits', 1);
    },
    recovered(failures, n) {
      logger.info({ failures, rows: n }, 'MySQL write succeeded again');
    },
  },
});

const rollup =
  d.rollup === null
    ? null
    : new RollupWriter({
        index,
        link,
        counters,
        intervalS: d.rollup.intervalS,
        stateTtlMs: d.rollup.stateTtlMs,
        flushMs: d.rollup.flushMs,
        budgetBytes,
        backoff: d.backoff,
        abandon: abandon.signal,
        warnIntervalMs: d.warnIntervalMs,
        logger,
      });
const sweeper =
  index !== 0
    ? null
    : new PruneSweeper({
        index,
        link,
        counters,
        settings: d.prune,
        abandon: abandon.signal,
        warnIntervalMs: d.warnIntervalMs,
        logger,
      }).start();

let rows: CallStatusRow[] = [];
let unwritten = 0;
/** A batch between its rollup count and its ServerCallStatus upsert: the rollup timer waits. */
let batchInFlight = false;

async function flush(): Promise<void> {
  const batch = rows;
  rows = [];
  batchInFlight = true;
  // Counted before the upsert: a stream new to this writer starts from its row as stored.
  const counted = rollup?.count(batch);
  if (counted instanceof Promise) await counted;
  const left = await writer.write(batch);
  batchInFlight = false;
  // The rollup is written after the rows it was counted from (a crash in between loses calls, never counts twice).
  const flushed = rollup?.flush(false);
  if (flushed) await flushed;
  if (left === 0) return;
  unwritten += left;
  counters.add(index, 'rowsUnwritten', left);
}

// Counted calls of a writer that receives nothing more are written on time all the same. The timer
// ticks a quarter of flushMs: a tick every flushMs could fall just before a batch's flush came due,
// and the rows would then wait almost two intervals.
const rollupTimer =
  rollup === null
    ? null
    : setInterval(
        () => {
          if (!batchInFlight) void rollup.flush(false);
        },
        Math.max(1, Math.floor((d.rollup?.flushMs ?? 4) / 4)),
      );

// The reporter's start() waits for every writer's first connect attempt, so its mysqlUp and log say how it went.
const keeper = link.keepConnected(stop.signal, poolWorkerReady);
await runPoolWorker((record) => void readStatusRecord(record, rows), { batch: d.batchRecords, flush });
// Queue closed and drained: stop reconnecting, release the connection so the thread can exit.
if (rollupTimer !== null) clearInterval(rollupTimer);
await rollup?.flush(true);
stop.abort();
await sweeper?.close();
await keeper;
if (unwritten > 0) logger.error({ rows: unwritten }, 'rows not written by the close deadline; dropped');
heartbeat.close();
await link.close();
