import { defineMetrics, TCP_GUARD_METRICS, TCP_SERVER_METRICS } from '@lars/reactor';

/**
 * Upper bounds (seconds) of batch_write_seconds: a multi-row upsert on a
 * local MariaDB takes about a millisecond, a 4096-row one on a loaded or
 * remote server up to seconds.
 */
export const BATCH_WRITE_SECONDS_BOUNDS: readonly number[] = Object.freeze([
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
]);

/**
 * Upper bounds of batch_rows: powers of two from 1 to 4096. A batch gathers
 * at most `batch_size` requests (256 by default); a request may carry several
 * hosts' rows, so a batch may hold more rows than requests.
 */
export const BATCH_ROWS_BOUNDS: readonly number[] = Object.freeze(Array.from({ length: 13 }, (_, i) => 2 ** i));

const range = (b: readonly number[], unit: string) => `${b[0]}${unit} .. ${b[b.length - 1]}${unit}`;

/**
 * The reporter's metrics, written once: `/stats` keys (what scripts read),
 * `/metrics` names under `lars_reporter_`, and the README table
 * (`pnpm docs:metrics`) all come from here. The network thread counts
 * requests; the writers count into SharedCounters and record each batch into
 * SharedHistograms (@lars/reactor, over these bounds), read at scrape time.
 */
export const REPORTER_METRICS = defineMetrics({
  ...TCP_SERVER_METRICS,
  ...TCP_GUARD_METRICS,
  requests: { name: 'requests_total', type: 'counter', help: 'ReportStatusRequests received.' },
  rowsReceived: {
    name: 'rows_received_total',
    type: 'counter',
    help: 'Rows (one per reported host) in the ReportStatusRequests received.',
  },
  tooLarge: {
    name: 'requests_too_large_total',
    type: 'counter',
    help: "Requests larger than half a writer's queue (dropped: no queue can hold them).",
  },
  refusedByQueue: {
    name: 'requests_refused_total',
    type: 'counter',
    help: 'Requests not queued because the writer that owns their route has exited.',
  },
  rowsRejected: {
    name: 'rows_rejected_total',
    type: 'counter',
    help: 'Rows dropped because they cannot be stored: rows_rejected_port_total plus rows_refused_by_mysql_total.',
  },
  rowsRejectedPort: {
    name: 'rows_rejected_port_total',
    type: 'counter',
    help: 'Rows dropped when decoded: a negative port (ServerCallStatus.port is INT UNSIGNED).',
  },
  rowsRefusedByMysql: {
    name: 'rows_refused_by_mysql_total',
    type: 'counter',
    help: 'Rows MySQL refused on their own (a row-level error, isolated by splitting the statement): dropped.',
  },
  rowsWritten: { name: 'rows_written_total', type: 'counter', help: 'Rows upserted into ServerCallStatus.' },
  rowsUnwritten: {
    name: 'rows_unwritten_total',
    type: 'counter',
    help: "Rows still in a writer's batch or queue at the close deadline (`[reporter] close_timeout`): lost.",
  },
  batches: { name: 'batches_total', type: 'counter', help: 'Multi-row upsert statements MySQL took.' },
  batchFailures: {
    name: 'batch_failures_total',
    type: 'counter',
    help: 'Upsert statements that failed: retried with backoff (transient or setup errors) or split to isolate refused rows.',
  },
  statementSplits: {
    name: 'statement_splits_total',
    type: 'counter',
    help: "Batches cut into several statements to keep each under the byte budget (the server's max_allowed_packet).",
  },
  rollupRowsWritten: {
    name: 'rollup_rows_written_total',
    type: 'counter',
    help: 'CallStatusMinute rows upserted (one per route, host, caller and bucket that gained calls in a batch).',
  },
  rollupRowsLost: {
    name: 'rollup_rows_lost_total',
    type: 'counter',
    help: 'CallStatusMinute rows not written: refused by MySQL, or unwritten at the close deadline.',
  },
  rollupPending: {
    name: 'rollup_rows_pending',
    type: 'gauge',
    help: 'CallStatusMinute rows counted and not yet written (written every [reporter] rollup_flush, and at close).',
  },
  rollupDuplicates: {
    name: 'rollup_snapshots_duplicate_total',
    type: 'counter',
    help: 'Reported hosts the rollup counted nothing for: the same snapshot seen again (a resend).',
  },
  rollupOlder: {
    name: 'rollup_snapshots_older_total',
    type: 'counter',
    help: 'Reported hosts the rollup counted nothing for: older (ts) than one already counted (a late resend).',
  },
  rollupResets: {
    name: 'rollup_window_resets_total',
    type: 'counter',
    help: "Reported hosts whose counts restarted (the agent's window reset): counted from zero.",
  },
  rollupRowsPruned: {
    name: 'rollup_rows_pruned_total',
    type: 'counter',
    help: 'CallStatusMinute rows deleted past `[reporter] rollup_retention`.',
  },
  statusRowsPruned: {
    name: 'status_rows_pruned_total',
    type: 'counter',
    help: 'ServerCallStatus rows deleted: not reported for `[reporter] status_max_age`, or of a host no route holds.',
  },
  prunePasses: { name: 'prune_passes_total', type: 'counter', help: 'Sweeps of old rows completed.' },
  pruneFailures: {
    name: 'prune_failures_total',
    type: 'counter',
    help: 'Sweep statements that failed (the next sweep tries again).',
  },
  drops: {
    name: 'requests_dropped_total',
    type: 'counter',
    help: 'Queued requests dropped, oldest first, because a full queue took a newer one.',
  },
  writers: { name: 'writers', type: 'gauge', help: 'Writer threads (`[reporter] db_thread_cnt`).' },
  writersAlive: { name: 'writers_alive', type: 'gauge', help: 'Writer threads running.' },
  writerRows: {
    name: 'writer_rows_written_total',
    type: 'counter',
    label: 'writer',
    help: 'Rows upserted by each writer.',
  },
  writerDrops: {
    name: 'writer_requests_dropped_total',
    type: 'counter',
    label: 'writer',
    help: "Requests dropped from each writer's full queue.",
  },
  queueDepth: {
    name: 'queue_requests',
    type: 'gauge',
    label: 'writer',
    help: "Requests waiting in each writer's queue.",
  },
  queueBytes: {
    name: 'queue_bytes',
    type: 'gauge',
    label: 'writer',
    help: "Bytes waiting in each writer's queue.",
  },
  mysqlUp: {
    name: 'mysql_up',
    type: 'gauge',
    help: 'Every writer has an open MySQL connection (0 while one cannot connect or has not yet).',
  },
  writersFailing: {
    name: 'writers_failing',
    type: 'gauge',
    help: 'Writers retrying a batch MySQL did not take (a lock wait, a missing table, a lost connection).',
  },
  maxAllowedPacket: {
    name: 'mysql_max_allowed_packet_bytes',
    type: 'gauge',
    label: 'writer',
    help: "The server's max_allowed_packet, read by each writer at its last connect (0 before any).",
  },
  statementBudget: {
    name: 'statement_budget_bytes',
    type: 'gauge',
    label: 'writer',
    help: "Each writer's byte budget for one statement: max_allowed_packet less 1 KiB, or the configured max_statement_bytes if smaller.",
  },
  batchWriteSeconds: {
    name: 'batch_write_seconds',
    type: 'histogram',
    source: 'snapshot',
    help: `Batches MySQL took, by how long their upsert took on the writer, a reconnect included (buckets ${range(BATCH_WRITE_SECONDS_BOUNDS, ' s')}).`,
  },
  batchRows: {
    name: 'batch_rows',
    type: 'histogram',
    source: 'snapshot',
    help: `Batches MySQL took, by their rows (buckets ${range(BATCH_ROWS_BOUNDS, '')}).`,
  },
});
