import { Gauge, Histogram, type Metric, Registry } from 'prom-client';
import { registerDefaultMetrics } from './default-metrics.js';
import {
  STATS_UNITS,
  type CollectedKey,
  type MetricList,
  type MetricSpec,
  type MetricValues,
  type ObservedHistogramSpec,
  type ObservedKey,
} from './metric-list.js';
import { ANSWERING, type DaemonHealth } from './health.js';
import type { HistogramSnapshot } from './shared-histogram.js';

export interface DaemonMetricsOptions<L extends MetricList> {
  /** Daemon name: metric names get the prefix `lars_<daemon>_`, and `lars_build_info` the label `daemon`. */
  daemon: string;
  /** The daemon's package version, for `lars_build_info{version}`. */
  version: string;
  /**
   * Every collected entry's current value, read once per scrape (main thread
   * state, SharedCounters/SharedHistogram rows the workers write). Never
   * called on a request path.
   */
  collect: () => MetricValues<L>;
  /** prom-client's process_* and nodejs_* metrics (CPU, memory, event-loop lag, GC, handles). */
  defaultMetrics?: boolean;
  /**
   * With the default metrics, prom-client's per-GC histogram
   * `nodejs_gc_duration_seconds`. Observing every GC costs each GC about
   * 3 KB of old-generation garbage (default-metrics.ts): the agent, which
   * scavenges often by design, leaves it out.
   */
  gcMetrics?: boolean;
  /**
   * The daemon's `/healthz` and `/readyz` answers, asked at scrape time for the
   * `<prefix>_alive` and `<prefix>_ready` gauges (a function: the daemon builds
   * its health after its metrics). Without it both gauges are 1 while the
   * endpoint answers.
   */
  health?: () => DaemonHealth;
}

/** Gauges every daemon exports beside its list, so alerts need no probe of /readyz. */
export const HEALTH_METRICS = {
  alive: 'alive',
  ready: 'ready',
} as const;

const DEFAULTS = { defaultMetrics: true, gcMetrics: true } as const;

/** prom-client's event-loop lag sampling period, ms (its default is 10). */
const EVENT_LOOP_PRECISION_MS = 100;

/**
 * prom-client default metrics that promtool rejects (gauges named `_total`).
 * Their per-type series (`nodejs_active_handles{type}`, ...) stay and sum to the same.
 */
const LINT_FAILING_DEFAULTS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
] as const;

/** The name of the build-info gauge every daemon exposes, whatever its prefix. */
export const BUILD_INFO_METRIC = 'lars_build_info';

interface ExportedValue {
  value: number;
  labels: Record<string, string>;
  metricName?: string;
}

/**
 * A daemon's metrics: its metric list (metric-list.ts) bound to the values
 * of one running daemon, in a prom-client Registry of its own (never the
 * global one, so two daemons in one test process do not collide).
 *
 * - `/stats` is `stats()`: the list's keys with collect()'s values, in the
 *   shapes scripts have always read (numbers, booleans, `{ '0': n, ... }` per
 *   thread) plus observed histograms as HistogramSnapshot objects.
 * - `/metrics` is `metrics()`: every entry under its prefixed name with
 *   HELP and TYPE, the default process/Node.js metrics and
 *   `lars_build_info{version,daemon} 1`. collect() runs once per scrape; the
 *   entries are read from that one snapshot.
 * - `observe(key, seconds)` records into an `source: 'observe'` histogram.
 *
 * Main thread only: worker threads count into shared memory, which collect() reads.
 */
export class DaemonMetrics<L extends MetricList> {
  readonly list: L;
  /** `lars_<daemon>`. */
  readonly prefix: string;
  readonly registry: Registry;
  private readonly collect: () => MetricValues<L>;
  private readonly observed = new Map<string, { spec: ObservedHistogramSpec; histogram: Histogram }>();
  /** The values of the scrape in progress (the most recent one when scrapes overlap). */
  private scraped: MetricValues<L> | null = null;

  constructor(list: L, options: DaemonMetricsOptions<L>) {
    this.list = list;
    this.prefix = `lars_${options.daemon}`;
    this.collect = options.collect;
    this.registry = new Registry();
    if (options.defaultMetrics ?? DEFAULTS.defaultMetrics) {
      // The event-loop lag histogram samples with a libuv timer at this
      // resolution: prom-client's 10 ms wakes an idle daemon 100 times a
      // second; at 100 ms lag is still seen (a stall longer than that shows).
      registerDefaultMetrics(this.registry, {
        eventLoopMonitoringPrecision: EVENT_LOOP_PRECISION_MS,
        gc: options.gcMetrics ?? DEFAULTS.gcMetrics,
      });
      for (const name of LINT_FAILING_DEFAULTS) this.registry.removeSingleMetric(name);
    }
    new Gauge({
      name: BUILD_INFO_METRIC,
      help: 'Always 1: the labels say which daemon and version this is.',
      labelNames: ['version', 'daemon'],
      registers: [this.registry],
    }).set({ version: options.version, daemon: options.daemon }, 1);
    const health = options.health ?? (() => ANSWERING);
    new Gauge({
      name: `${this.prefix}_${HEALTH_METRICS.alive}`,
      help: '1 when every thread beats (GET /healthz answers 200), else 0.',
      registers: [this.registry],
      collect() {
        this.set(health().live().ok ? 1 : 0);
      },
    });
    new Gauge({
      name: `${this.prefix}_${HEALTH_METRICS.ready}`,
      help: '1 when the daemon can do its job (GET /readyz answers 200), else 0.',
      registers: [this.registry],
      collect() {
        this.set(health().ready().ok ? 1 : 0);
      },
    });
    for (const [key, spec] of Object.entries(list)) {
      const name = `${this.prefix}_${spec.name}`;
      if (spec.type === 'histogram' && spec.source === 'observe') {
        const histogram = new Histogram({ name, help: spec.help, buckets: [...spec.buckets], registers: [] });
        this.observed.set(key, { spec, histogram });
        this.registry.registerMetric(histogram);
      } else {
        // prom-client renders any registered object with name/help/type and
        // get(); its typings only name its own classes, hence the cast.
        const collector = {
          name,
          help: spec.help,
          type: spec.type,
          get: () => ({
            name,
            help: spec.help,
            type: spec.type,
            aggregator: 'sum',
            values: this.exported(name, spec, this.currentValue(key as CollectedKey<L>)),
          }),
        };
        this.registry.registerMetric(collector as unknown as Metric);
      }
    }
  }

  /** Records one value (seconds) into the observed histogram `key`. */
  observe(key: ObservedKey<L>, value: number): void {
    const entry = this.observed.get(key);
    if (entry === undefined) throw new Error(`${key} is not an observed histogram of this metric list`);
    entry.histogram.observe(value);
  }

  /** The `/stats` JSON object: every key of the list, in list order. */
  async stats(): Promise<Record<string, unknown>> {
    const values = this.collect() as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(this.list)) {
      const entry = this.observed.get(key);
      out[key] = entry === undefined ? values[key] : await observedSnapshot(entry.histogram, entry.spec);
    }
    return out;
  }

  /** The `/metrics` text (Prometheus exposition format 0.0.4). */
  metrics(): Promise<string> {
    this.scraped = this.collect();
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private currentValue(key: CollectedKey<L>): unknown {
    this.scraped ??= this.collect();
    return this.scraped[key];
  }

  private exported(name: string, spec: MetricSpec, value: unknown): ExportedValue[] {
    if (spec.type === 'histogram') {
      if (spec.source === 'observe') return [];
      if (!('label' in spec) || spec.label === undefined) return histogramValues(name, value as HistogramSnapshot, {});
      const label = spec.label;
      return Object.entries(value as Record<string, HistogramSnapshot>).flatMap(([lv, h]) =>
        histogramValues(name, h, { [label]: lv }),
      );
    }
    const scale = spec.statsUnit === undefined ? 1 : STATS_UNITS[spec.statsUnit];
    if (spec.label === undefined) return [{ value: Number(value) * scale, labels: {} }];
    const label = spec.label;
    return Object.entries(value as Record<string, number>).map(([lv, n]) => ({
      value: n * scale,
      labels: { [label]: lv },
    }));
  }
}

/** A HistogramSnapshot as Prometheus series: cumulative `_bucket{le}`, `_sum`, `_count`. */
function histogramValues(name: string, h: HistogramSnapshot, labels: Record<string, string>): ExportedValue[] {
  const out: ExportedValue[] = [];
  let cumulative = 0;
  for (let i = 0; i < h.bounds.length; i++) {
    cumulative += h.counts[i] ?? 0;
    out.push({ metricName: `${name}_bucket`, value: cumulative, labels: { ...labels, le: String(h.bounds[i]) } });
  }
  out.push({ metricName: `${name}_bucket`, value: h.count, labels: { ...labels, le: '+Inf' } });
  out.push({ metricName: `${name}_sum`, value: h.sum, labels });
  out.push({ metricName: `${name}_count`, value: h.count, labels });
  return out;
}

/** An observed prom-client Histogram as a HistogramSnapshot (per-bucket counts, +Inf last). */
async function observedSnapshot(histogram: Histogram, spec: ObservedHistogramSpec): Promise<HistogramSnapshot> {
  const { values } = await histogram.get();
  const series = (suffix: string) => values.filter((v) => v.metricName?.endsWith(suffix));
  const cumulative = series('_bucket').map((v) => v.value);
  const counts = cumulative.map((c, i) => c - (i === 0 ? 0 : cumulative[i - 1]));
  return {
    bounds: [...spec.buckets],
    counts,
    sum: series('_sum')[0]?.value ?? 0,
    count: series('_count')[0]?.value ?? 0,
  };
}
