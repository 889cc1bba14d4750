import { createRequire } from 'node:module';
import { collectDefaultMetrics, type Registry } from 'prom-client';

export interface DefaultMetricsSettings {
  /** prom-client's event-loop lag sampling period, ms. */
  eventLoopMonitoringPrecision: number;
  /** Whether to register prom-client's per-GC histogram `nodejs_gc_duration_seconds` (its collector `gc`). */
  gc: boolean;
}

/** A prom-client default collector: registers its metrics (and any observer they need) in `registry`. */
type DefaultCollector = (registry: Registry, config: { eventLoopMonitoringPrecision: number }) => void;

/** The name of prom-client's GC collector in `collectDefaultMetrics.metricsList`. */
const GC_COLLECTOR = 'gc';

const require = createRequire(import.meta.url);

/**
 * prom-client's process and Node.js metrics, optionally without the GC
 * histogram. prom-client has no way to leave one collector out, so each is
 * loaded by its name in `metricsList` (lib/metrics/<name>.js, prom-client
 * pinned in package.json) and called as `collectDefaultMetrics` calls it;
 * daemon-metrics.test.ts checks the result is prom-client's set minus
 * `nodejs_gc_duration_seconds`.
 *
 * Why leave it out: the histogram observes every GC through a
 * PerformanceObserver, and Node 20 builds each GC's PerformanceEntry (with
 * deprecation getters) in JavaScript and delivers it a turn later, so it
 * outlives two scavenges: about 3 KB promoted to the old generation per
 * GC. The agent, with a 2 MiB young generation (v8-memory-flags.ts),
 * scavenges about 35 times a second at full rate; that was most of what
 * filled its old generation between full GCs (RSS 61 -> 69 MiB in 20 s).
 */
export function registerDefaultMetrics(registry: Registry, settings: DefaultMetricsSettings): void {
  const config = { eventLoopMonitoringPrecision: settings.eventLoopMonitoringPrecision };
  if (settings.gc) {
    collectDefaultMetrics({ register: registry, ...config });
    return;
  }
  for (const name of collectDefaultMetrics.metricsList) {
    if (name !== GC_COLLECTOR) (require(`prom-client/lib/metrics/${name}`) as DefaultCollector)(registry, config);
  }
}
