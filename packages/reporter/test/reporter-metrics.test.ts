// The reporter's /metrics, /stats, /healthz and /readyz over HTTP, against
// the real MariaDB: the exposition passes promtool, and the counters and
// batch histograms say exactly what the traffic was.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPackageVersion } from '@lars/store';
import { ReporterServer } from '../src/index.js';
import { createTestDatabase, type TestDatabase } from '../../../test-support/db.js';
import { promtoolCheckMetrics } from '../../../test-support/promtool.js';
import { metricSamples, serveStatsEndpoint } from '../../../test-support/stats-endpoint.js';
import { until } from '../../../test-support/wait.js';
import { ReportClient, snapshot } from './report-client.js';

const REPORTER_VERSION = readPackageVersion(new URL('../package.json', import.meta.url));

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());

describe('reporter metrics and health endpoints', () => {
  it('serves promtool-clean /metrics whose counters and histograms match the traffic, /stats alike, and is ready and live', async () => {
    const reporter = new ReporterServer({
      port: 0,
      writers: 2,
      batchRecords: 16,
      heartbeat: { intervalMs: 20, deadAfterMs: 5_000 },
      mysql: { host: db.host, port: db.port, user: db.user, password: db.password, database: db.name },
    });
    const http = await serveStatsEndpoint(reporter);
    const get = http.get;
    const { port } = await reporter.start();
    const c = await ReportClient.connect(port);
    const n = 300;
    try {
      for (let i = 0; i < n; i++) c.send(snapshot(1 + (i % 25), 1, 167772161 + i, 80, i, 1));
      await until(() => reporter.stats().rowsWritten === n, 'every row written');

      const res = await get('/metrics');
      expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
      const text = await res.text();
      expect(promtoolCheckMetrics(text)).toEqual({ ok: true, problems: [], exitCode: 0 });
      const m = metricSamples(text);
      const batches = m.get('lars_reporter_batches_total') ?? 0;
      expect(batches).toBeGreaterThanOrEqual(1);
      expect({
        requests: m.get('lars_reporter_requests_total'),
        rowsReceived: m.get('lars_reporter_rows_received_total'),
        rowsWritten: m.get('lars_reporter_rows_written_total'),
        writerRows:
          (m.get('lars_reporter_writer_rows_written_total{writer="0"}') ?? 0) +
          (m.get('lars_reporter_writer_rows_written_total{writer="1"}') ?? 0),
        batchFailures: m.get('lars_reporter_batch_failures_total'),
        drops: m.get('lars_reporter_requests_dropped_total'),
        tooLarge: m.get('lars_reporter_requests_too_large_total'),
        refused: m.get('lars_reporter_requests_refused_total'),
        queued: m.get('lars_reporter_queue_requests{writer="0"}'),
        writers: m.get('lars_reporter_writers'),
        writersAlive: m.get('lars_reporter_writers_alive'),
        mysqlUp: m.get('lars_reporter_mysql_up'),
        framesIn: m.get('lars_reporter_frames_received_total'),
        connections: m.get('lars_reporter_connections'),
        batchRowsCount: m.get('lars_reporter_batch_rows_count'),
        batchRowsSum: m.get('lars_reporter_batch_rows_sum'),
        batchRowsInf: m.get('lars_reporter_batch_rows_bucket{le="+Inf"}'),
        // A batch gathers at most 16 one-row requests.
        batchRowsUpTo16: m.get('lars_reporter_batch_rows_bucket{le="16"}'),
        batchSecondsCount: m.get('lars_reporter_batch_write_seconds_count'),
      }).toEqual({
        requests: n,
        rowsReceived: n,
        rowsWritten: n,
        writerRows: n,
        batchFailures: 0,
        drops: 0,
        tooLarge: 0,
        refused: 0,
        queued: 0,
        writers: 2,
        writersAlive: 2,
        mysqlUp: 1,
        framesIn: n,
        connections: 1,
        batchRowsCount: batches,
        batchRowsSum: n,
        batchRowsInf: batches,
        batchRowsUpTo16: batches,
        batchSecondsCount: batches,
      });
      expect(m.get('lars_reporter_batch_write_seconds_sum')).toBeGreaterThan(0);
      expect(m.get(`lars_build_info{version="${REPORTER_VERSION}",daemon="reporter"}`)).toBe(1);

      const stats = (await (await get('/stats')).json()) as Record<string, unknown>;
      expect(stats).toMatchObject({
        requests: n,
        rowsReceived: n,
        rowsWritten: n,
        batches,
        drops: 0,
        writers: 2,
        writersAlive: 2,
        mysqlUp: true,
        queueDepth: { '0': 0, '1': 0 },
        batchRows: { count: batches, sum: n },
        batchWriteSeconds: { count: batches },
      });

      const ready = await get('/readyz');
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({
        ok: true,
        failing: [],
        checks: {
          writers: { ok: true, detail: '2 of 2 writer threads running' },
          mysql: { ok: true, detail: 'every writer is connected' },
          writes: { ok: true, detail: 'no writer is retrying a batch' },
        },
      });
      // Every thread has beaten more than once: their timers run.
      await until(async () => {
        const body = (await (await get('/healthz')).json()) as { checks: Record<string, { beats: number }> };
        return ['main', 'writer0', 'writer1'].every((t) => body.checks[t].beats > 1);
      }, 'main and both writers to beat');
      const live = await get('/healthz');
      expect(live.status).toBe(200);
      expect(await live.json()).toMatchObject({
        ok: true,
        failing: [],
        checks: { main: { ok: true }, writer0: { ok: true }, writer1: { ok: true } },
      });
    } finally {
      await c.close();
      await reporter.close();
      await http.close();
    }
    // Closed: the writers have exited, so the reporter is no longer ready.
    expect(reporter.health.ready()).toMatchObject({ ok: false, failing: ['writers'] });
  });
});
