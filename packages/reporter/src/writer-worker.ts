// A reporter writer thread: takes ReportStatusRequest records from its queue,
// gathers what has queued up into one multi-row upsert, and retries a failed
// batch with backoff until MySQL takes it, so nothing it took is lost. While
// it retries it takes nothing new: the queue holds what arrives, up to its
// bound, where the oldest records are dropped (and counted) by the producer.
// Every failed write is logged (the MySQL code, errno and message; `worker`
// is this writer's index), at most one line per error code per
// warnIntervalMs, with how many were suppressed since; the first write that
// succeeds after failures says how many there were.
// The writer beats its heartbeat slot (the reporter's /healthz) and records
// each batch MySQL took into the batch histograms (its own row of each).
import { setTimeout as sleep } from 'node:timers/promises';
import { Backoff, Heartbeat, poolWorkerContext, runPoolWorker, SharedCounters, SharedHistogram } from '@lars/reactor';
import { MysqlLink, throttledMysqlError, upsertCallStatus, type CallStatusRow } from '@lars/store';
import { LogThrottle } from '@lars/wire';
import { BATCH_ROWS_BOUNDS, BATCH_WRITE_SECONDS_BOUNDS } from './reporter-metrics.js';
import { readStatusRecord } from './status-record.js';
import { WRITER_COUNTERS, type WriterData } from './writer-protocol.js';

const { index, data, logger } = poolWorkerContext();
const { mysql, batchRecords, connectTimeoutMs, warnIntervalMs } = data as WriterData;
const counters = SharedCounters.attach((data as WriterData).counters, WRITER_COUNTERS);
const backoff = new Backoff((data as WriterData).backoff);
const throttle = new LogThrottle(warnIntervalMs);
const link = new MysqlLink(mysql, connectTimeoutMs);
const { heartbeats, heartbeatIntervalMs } = data as WriterData;
// Beats from its own timer, so also while a write waits on MySQL.
const heartbeat = new Heartbeat(heartbeats[index], heartbeatIntervalMs).start();
const batchSeconds = SharedHistogram.attach((data as WriterData).batchSeconds, BATCH_WRITE_SECONDS_BOUNDS);
const batchRows = SharedHistogram.attach((data as WriterData).batchRows, BATCH_ROWS_BOUNDS);
let rows: CallStatusRow[] = [];
/** Failed attempts since the last write that succeeded. */
let failures = 0;

async function write(): Promise<void> {
  if (rows.length === 0) return;
  for (;;) {
    try {
      const t0 = performance.now();
      await link.use((c) => upsertCallStatus(c, rows));
      // Histograms before counters: a reader that sees this batch counted sees it recorded too.
      batchSeconds.record(index, (performance.now() - t0) / 1000);
      batchRows.record(index, rows.length);
      counters.add(index, 'rowsWritten', rows.length);
      counters.add(index, 'batches', 1);
      counters.set(index, 'mysqlUp', 1);
      if (failures > 0) logger.info({ failures, rows: rows.length }, 'MySQL write succeeded again');
      failures = 0;
      backoff.reset();
      rows = [];
      return;
    } catch (err) {
      counters.add(index, 'batchFailures', 1);
      counters.set(index, 'mysqlUp', 0);
      failures++;
      const retryInMs = backoff.next();
      const fields = throttledMysqlError(err, throttle);
      if (fields !== null)
        logger.error({ ...fields, rows: rows.length, retryInMs }, 'MySQL write failed; retrying the batch');
      await sleep(retryInMs);
    }
  }
}

await runPoolWorker((record) => void readStatusRecord(record, rows), { batch: batchRecords, flush: write });
// Queue closed and drained: release the connection so the thread can exit.
heartbeat.close();
await link.close();
