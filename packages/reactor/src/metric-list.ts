import { ErrorCode, LarsError } from '@lars/wire';
import type { HistogramSnapshot } from './shared-histogram.js';

/**
 * The one label a metric may carry. `worker` and `writer` are a daemon's own
 * threads (a small fixed set); `peer` is only for an agent's configured
 * outbound links; `transport` names the one transport in use (an info-style
 * gauge). Nothing is labelled per inbound connection: that would grow
 * without bound.
 */
export type MetricLabel = 'worker' | 'writer' | 'peer' | 'transport';

/** Units a /stats value may keep, and what one of them is in the metric's base unit. */
export const STATS_UNITS = { ms: 1e-3 } as const;
export type StatsUnit = keyof typeof STATS_UNITS;

interface MetricSpecBase {
  /**
   * Metric name in snake_case WITHOUT the daemon prefix (DaemonMetrics adds
   * `lars_<daemon>_`). Counters end in `_total`; durations are `_seconds`,
   * sizes `_bytes`, a unix time `_timestamp_seconds`.
   */
  readonly name: string;
  /** The `# HELP` text, also the meaning column of the README table. */
  readonly help: string;
}

/** A counter or gauge whose value collect() returns at scrape time. */
export interface ScalarMetricSpec extends MetricSpecBase {
  readonly type: 'counter' | 'gauge';
  /** collect() then returns `{ [labelValue]: number }` (the /stats shape of per-thread counters). */
  readonly label?: MetricLabel;
  /**
   * The unit of the /stats value when it is not the metric's base unit: a
   * /stats key kept in milliseconds for scripts (`lastLoadMs`) is divided by
   * 1000 for its `_seconds` metric.
   */
  readonly statsUnit?: StatsUnit;
}

/**
 * A histogram collect() supplies as a HistogramSnapshot (shared-histogram.ts:
 * bounds in seconds, per-bucket counts with +Inf last, sum, count), e.g. read
 * from a SharedHistogram the worker threads record into.
 */
export interface SnapshotHistogramSpec extends MetricSpecBase {
  readonly type: 'histogram';
  readonly source: 'snapshot';
  /** collect() then returns `{ [labelValue]: HistogramSnapshot }`. */
  readonly label?: MetricLabel;
}

/**
 * A histogram the main thread observes itself (DaemonMetrics.observe(key, v)),
 * held in a prom-client Histogram. For things measured a few times a second
 * at most (a table load, a push fan-out), never per request.
 */
export interface ObservedHistogramSpec extends MetricSpecBase {
  readonly type: 'histogram';
  readonly source: 'observe';
  /** Upper bounds in the metric's unit (seconds), ascending. */
  readonly buckets: readonly number[];
}

export type MetricSpec = ScalarMetricSpec | SnapshotHistogramSpec | ObservedHistogramSpec;

/**
 * A daemon's metric list: `/stats` key -> spec. The keys are what `/stats`
 * (JSON) shows and scripts read; `/metrics` and the README table come from
 * the same entries.
 */
export type MetricList = Readonly<Record<string, MetricSpec>>;

/** What collect() returns for one entry. */
export type CollectedValue<S extends MetricSpec> = S extends SnapshotHistogramSpec
  ? S extends { readonly label: MetricLabel }
    ? Record<string, HistogramSnapshot>
    : HistogramSnapshot
  : S extends { readonly label: MetricLabel }
    ? Record<string, number>
    : number | boolean;

/** Keys of the entries DaemonMetrics observes itself (not returned by collect()). */
export type ObservedKey<L extends MetricList> = {
  [K in keyof L]: L[K] extends ObservedHistogramSpec ? K : never;
}[keyof L] &
  string;

/** Keys whose values collect() returns. */
export type CollectedKey<L extends MetricList> = Exclude<keyof L & string, ObservedKey<L>>;

/** What a daemon's collect() returns: one value per collected key of its list. */
export type MetricValues<L extends MetricList> = { [K in CollectedKey<L>]: CollectedValue<L[K]> };

const SNAKE_CASE = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;
/** Unit spellings that are not base units (use _seconds and _bytes). */
const NON_BASE_UNIT = /_(ms|millis|milliseconds|us|ns|minutes|hours|kb|mb|kib|mib)(_|$)/;
const LABELS: readonly MetricLabel[] = ['worker', 'writer', 'peer', 'transport'];

function bad(key: string, why: string): never {
  throw new LarsError(ErrorCode.BAD_OPTION, `metric list entry ${key}: ${why}`);
}

/**
 * Checks a metric list against the naming rules (Prometheus's, which promtool
 * lints) and returns it unchanged, keeping its literal type:
 * snake_case names, `_total` on counters and only on them, base units, unique
 * names, known labels, ascending buckets. A violation is LARS_BAD_OPTION
 * naming the entry, at module load, so a bad list never reaches a scrape.
 */
export function defineMetrics<const L extends MetricList>(list: L): L {
  const names = new Map<string, string>();
  for (const [key, spec] of Object.entries(list)) {
    if (!SNAKE_CASE.test(spec.name)) bad(key, `name ${spec.name} is not snake_case`);
    if (NON_BASE_UNIT.test(spec.name)) bad(key, `name ${spec.name} is not in a base unit (_seconds, _bytes)`);
    if ((spec.type === 'counter') !== spec.name.endsWith('_total'))
      bad(key, `name ${spec.name}: counters and only counters end in _total`);
    if (spec.help.trim() === '') bad(key, 'help is empty');
    const other = names.get(spec.name);
    if (other !== undefined) bad(key, `name ${spec.name} is also the name of ${other}`);
    names.set(spec.name, key);
    if ('label' in spec && spec.label !== undefined && !LABELS.includes(spec.label))
      bad(key, `label ${spec.label} is not one of ${LABELS.join(', ')}`);
    if ('statsUnit' in spec && spec.statsUnit !== undefined && !spec.name.endsWith('_seconds'))
      bad(key, `statsUnit ${spec.statsUnit} is for a _seconds metric, not ${spec.name}`);
    if (spec.type === 'histogram' && spec.source === 'observe') {
      const b = spec.buckets;
      if (b.length === 0 || b.some((v, i) => !Number.isFinite(v) || (i > 0 && v <= b[i - 1])))
        bad(key, 'buckets must be finite, ascending and not empty');
    }
  }
  return list;
}

/**
 * The counters every TcpServer keeps (TcpServer.stats()), for a daemon list
 * to spread in: `{ ...TCP_SERVER_METRICS, ...own }`.
 */
export const TCP_SERVER_METRICS = defineMetrics({
  connections: { name: 'connections', type: 'gauge', help: 'Live inbound TCP connections.' },
  accepted: { name: 'connections_accepted_total', type: 'counter', help: 'Inbound TCP connections accepted.' },
  refused: {
    name: 'connections_refused_total',
    type: 'counter',
    help: 'Inbound TCP connections closed at once because maxConn were live.',
  },
  framesIn: { name: 'frames_received_total', type: 'counter', help: 'Frames received on inbound connections.' },
  framesOut: { name: 'frames_sent_total', type: 'counter', help: 'Frames sent on inbound connections.' },
  badFrames: {
    name: 'bad_frames_total',
    type: 'counter',
    help: 'Frames with a bad header (the connection is closed).',
  },
  unknownMsgid: {
    name: 'unknown_msgid_total',
    type: 'counter',
    help: 'Frames with a message id this daemon does not handle (dropped).',
  },
  badBody: { name: 'bad_body_total', type: 'counter', help: 'Frames whose body did not decode (dropped).' },
  handlerErrors: {
    name: 'handler_errors_total',
    type: 'counter',
    help: 'Frames whose handler threw (dropped, logged).',
  },
  outputOverflow: {
    name: 'output_overflow_total',
    type: 'counter',
    help: 'Connections cut off because their unsent output passed the bound.',
  },
  truncatedFrames: {
    name: 'truncated_frames_total',
    type: 'counter',
    help: 'Inbound connections that closed holding an incomplete frame (the partial frame is dropped).',
  },
});
