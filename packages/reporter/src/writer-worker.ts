// A reporter writer thread: takes ReportStatusRequest records from its queue,
// gathers what has queued up into one multi-row upsert, and retries a failed
// batch with backoff until MySQL takes it, so nothing it took is lost. While
// it retries it takes nothing new: the queue holds what arrives, up to its
// bound, where the oldest records are dropped (and counted) by the producer.
import { MysqlLink } from '@lars/store';
import { Backoff, poolWorkerContext, runPoolWorker, SharedCounters } from '@lars/reactor';
import { upsertCallStatus } from '@lars/store';
import type { CallStatusRow } from '@lars/store';
import { readStatusRecord } from './status-record.js';
import { WRITER_COUNTERS, type WriterData } from './writer-protocol.js';

const { index, data } = poolWorkerContext();
const { mysql, batchRecords, connectTimeoutMs } = data as WriterData;
const counters = SharedCounters.attach((data as WriterData).counters, WRITER_COUNTERS);
const backoff = new Backoff((data as WriterData).backoff);
const link = new MysqlLink(mysql, connectTimeoutMs);
let rows: CallStatusRow[] = [];

async function write(): Promise<void> {
  if (rows.length === 0) return;
  for (;;) {
    try {
      await link.use((c) => upsertCallStatus(c, rows));
      counters.add(index, 'rowsWritten', rows.length);
      counters.add(index, 'batches', 1);
      counters.set(index, 'mysqlUp', 1);
      backoff.reset();
      rows = [];
      return;
    } catch {
      counters.add(index, 'batchFailures', 1);
      counters.set(index, 'mysqlUp', 0);
      await new Promise((r) => setTimeout(r, backoff.next()));
    }
  }
}

await runPoolWorker((record) => void readStatusRecord(record, rows), { batch: batchRecords, flush: write });
// Queue closed and drained: release the connection so the thread can exit.
await link.close();
