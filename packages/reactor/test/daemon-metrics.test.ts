import { describe, expect, it } from 'vitest';
import { ErrorCode } from '@lars/wire';
import { promtoolCheckMetrics } from '../../../test-support/promtool.js';
import { DaemonMetrics } from '../src/daemon-metrics.js';
import { healthReport } from '../src/health.js';
import { defineMetrics, type MetricValues } from '../src/metric-list.js';
import { metricsTable } from '../src/metrics-table.js';
import { SharedCounters } from '../src/shared-counters.js';
import { SharedHistogram } from '../src/shared-histogram.js';

const LIST = defineMetrics({
  requests: { name: 'requests_total', type: 'counter', help: 'Requests answered.' },
  workerRequests: { name: 'worker_requests_total', type: 'counter', help: 'Requests per worker.', label: 'worker' },
  queueDepth: { name: 'queue_depth', type: 'gauge', help: 'Queued requests.' },
  mysqlUp: { name: 'mysql_up', type: 'gauge', help: '1 when MySQL answers.' },
  lastLoadMs: { name: 'last_load_seconds', type: 'gauge', help: 'Last load.', statsUnit: 'ms' },
  latency: { name: 'request_seconds', type: 'histogram', source: 'snapshot', help: 'Request latency.' },
  workerLatency: {
    name: 'worker_request_seconds',
    type: 'histogram',
    source: 'snapshot',
    help: 'Request latency per worker.',
    label: 'worker',
  },
  loadSeconds: {
    name: 'load_seconds',
    type: 'histogram',
    source: 'observe',
    help: 'Loads by duration.',
    buckets: [0.1, 1, 10],
  },
});

/** A daemon's state as a test sets it: main-thread numbers plus worker rows in shared memory. */
function fixture() {
  const counters = SharedCounters.create(2, ['requests'] as const);
  const latency = SharedHistogram.create(2);
  let requests = 0;
  const collect = (): MetricValues<typeof LIST> => ({
    requests,
    workerRequests: counters.perRow('requests'),
    queueDepth: 4,
    mysqlUp: true,
    lastLoadMs: 250,
    latency: latency.snapshot(),
    workerLatency: { '0': latency.rowSnapshot(0), '1': latency.rowSnapshot(1) },
  });
  const metrics = new DaemonMetrics(LIST, { daemon: 'test', version: '9.8.7', collect });
  return {
    metrics,
    counters,
    latency,
    request: () => void requests++,
  };
}

describe('defineMetrics', () => {
  const bad = (spec: object) => () => defineMetrics({ x: spec as never });
  it('rejects names that break the Prometheus conventions, naming the entry', () => {
    expect(bad({ name: 'requests', type: 'counter', help: 'h' })).toThrow(
      'metric list entry x: name requests: counters and only counters end in _total',
    );
    expect(bad({ name: 'up_total', type: 'gauge', help: 'h' })).toThrow(/only counters end in _total/);
    expect(bad({ name: 'loadMs', type: 'gauge', help: 'h' })).toThrow(/not snake_case/);
    expect(bad({ name: 'load_ms', type: 'gauge', help: 'h' })).toThrow(/base unit/);
    expect(bad({ name: 'up', type: 'gauge', help: ' ' })).toThrow(/help is empty/);
    expect(bad({ name: 'up', type: 'gauge', help: 'h', label: 'conn' })).toThrow(/label conn/);
    expect(bad({ name: 'up', type: 'gauge', help: 'h', statsUnit: 'ms' })).toThrow(/statsUnit ms is for a _seconds/);
    expect(bad({ name: 'x_seconds', type: 'histogram', source: 'observe', help: 'h', buckets: [1, 1] })).toThrow(
      /ascending/,
    );
    expect(bad({ name: 'up', type: 'gauge', help: 'h' })).not.toThrow();
    try {
      bad({ name: 'up', type: 'counter', help: 'h' })();
    } catch (err) {
      expect(err).toMatchObject({ code: ErrorCode.BAD_OPTION });
    }
  });

  it('rejects two entries with one metric name', () => {
    expect(() =>
      defineMetrics({
        a: { name: 'up', type: 'gauge', help: 'h' },
        b: { name: 'up', type: 'gauge', help: 'h' },
      }),
    ).toThrow('metric list entry b: name up is also the name of a');
  });
});

describe('DaemonMetrics', () => {
  it('serves /stats with the list keys in the shapes scripts read, observed histograms as snapshots', async () => {
    const { metrics, counters, request } = fixture();
    request();
    counters.add(1, 'requests', 3);
    metrics.observe('loadSeconds', 0.5);
    const stats = await metrics.stats();
    expect(Object.keys(stats)).toEqual(Object.keys(LIST));
    expect(stats).toMatchObject({
      requests: 1,
      workerRequests: { '0': 0, '1': 3 },
      queueDepth: 4,
      mysqlUp: true,
      lastLoadMs: 250,
      loadSeconds: { bounds: [0.1, 1, 10], counts: [0, 1, 0, 0], sum: 0.5, count: 1 },
    });
  });

  it('renders /metrics that promtool accepts: HELP, TYPE, prefix, base units, labels, histograms, build info', async () => {
    const { metrics, counters, latency, request } = fixture();
    request();
    request();
    counters.add(0, 'requests', 5);
    latency.record(0, 1500);
    latency.record(1, 3e6);
    latency.record(1, 1e12);
    metrics.observe('loadSeconds', 2);
    const text = await metrics.metrics();
    expect(promtoolCheckMetrics(text)).toEqual({ ok: true, problems: [], exitCode: 0 });
    expect(text).toContain(
      '# HELP lars_test_requests_total Requests answered.\n# TYPE lars_test_requests_total counter\n',
    );
    expect(text).toContain('lars_test_requests_total 2\n');
    expect(text).toContain(
      'lars_test_worker_requests_total{worker="0"} 5\nlars_test_worker_requests_total{worker="1"} 0',
    );
    expect(text).toContain('lars_test_mysql_up 1\n');
    expect(text).toContain('lars_test_last_load_seconds 0.25\n');
    expect(text).toContain('# TYPE lars_test_request_seconds histogram');
    expect(text).toContain('lars_test_request_seconds_bucket{le="0.000002048"} 1\n');
    expect(text).toContain('lars_test_request_seconds_bucket{le="+Inf"} 3\n');
    expect(text).toContain('lars_test_request_seconds_count 3\n');
    expect(text).toContain('lars_test_worker_request_seconds_bucket{worker="1",le="+Inf"} 2\n');
    expect(text).toContain('lars_test_worker_request_seconds_count{worker="0"} 1\n');
    expect(text).toContain('lars_test_load_seconds_bucket{le="10"} 1\n');
    expect(text).toContain('lars_test_load_seconds_sum 2\n');
    expect(text).toContain('lars_build_info{version="9.8.7",daemon="test"} 1\n');
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
  });

  it('reads the values once per scrape, when scraped', async () => {
    let calls = 0;
    const metrics = new DaemonMetrics(
      defineMetrics({
        up: { name: 'up', type: 'gauge', help: 'h' },
        n: { name: 'n_total', type: 'counter', help: 'h' },
      }),
      { daemon: 't', version: '1', defaultMetrics: false, collect: () => ({ up: ++calls, n: calls }) },
    );
    expect(calls).toBe(0);
    const text = await metrics.metrics();
    expect(calls).toBe(1);
    expect(text).toContain('lars_t_up 1\n');
    expect(text).toContain('lars_t_n_total 1\n');
    expect(text).not.toContain('process_');
  });

  it('exports the /healthz and /readyz verdicts as <prefix>_alive and <prefix>_ready, read at scrape time', async () => {
    let ready = false;
    const metrics = new DaemonMetrics(defineMetrics({ n: { name: 'n_total', type: 'counter', help: 'h' } }), {
      daemon: 't',
      version: '1',
      defaultMetrics: false,
      collect: () => ({ n: 0 }),
      health: () => ({
        live: () => healthReport({ main: { ok: true, detail: 'beating' } }),
        ready: () => healthReport({ table: { ok: ready, detail: ready ? 'loaded' : 'none yet' } }),
      }),
    });
    expect(await metrics.metrics()).toMatch(/lars_t_alive 1\n[\s\S]*lars_t_ready 0\n/);
    ready = true;
    expect(await metrics.metrics()).toContain('lars_t_ready 1\n');
  });

  it('without gcMetrics registers every prom-client default metric but nodejs_gc_duration_seconds', async () => {
    const names = async (gcMetrics: boolean) => {
      const list = defineMetrics({ n: { name: 'n_total', type: 'counter', help: 'h' } });
      const metrics = new DaemonMetrics(list, { daemon: 't', version: '1', gcMetrics, collect: () => ({ n: 0 }) });
      const text = await metrics.metrics();
      return new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]));
    };
    const [all, withoutGc] = [await names(true), await names(false)];
    expect(all).toContain('nodejs_gc_duration_seconds');
    expect(all).toContain('process_cpu_seconds_total');
    expect([...all].filter((n) => !withoutGc.has(n))).toEqual(['nodejs_gc_duration_seconds']);
    expect([...withoutGc].filter((n) => !all.has(n))).toEqual([]);
  });

  it('renders the list as the README table', () => {
    const table = metricsTable(LIST, 'lars_test').split('\n');
    expect(table).toHaveLength(2 + Object.keys(LIST).length);
    expect(table[0]).toMatch(/^\| `\/stats` key +\| metric +\| type +\| meaning +\|$/);
    expect(table[2]).toMatch(/^\| `requests` +\| `lars_test_requests_total` +\| counter +\| Requests answered\. +\|$/);
    expect(table).toContainEqual(expect.stringContaining('`lars_test_worker_requests_total{worker}`'));
    expect(table).toContainEqual(expect.stringContaining('Last load. (`/stats` in ms)'));
    expect(new Set(table.map((l) => l.length)).size).toBe(1);
  });
});
