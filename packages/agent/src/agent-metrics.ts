import { defineMetrics, SharedHistogram, type ScalarMetricSpec } from '@lars/reactor';
import { WORKER_COUNTERS, workerStatsKey, type WorkerCounterEntry, type WorkerStatsKey } from './agent-counters.js';
import { DEFAULT_LATENCY_SAMPLE_EVERY } from './agent-core.js';

/** `getHostRequests` -> `get_host_requests`. */
const snakeCase = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** A worker counter's metric entry: labelled `worker`, a counter unless the list says gauge. */
type WorkerMetricSpec<C extends WorkerCounterEntry> = ScalarMetricSpec & {
  readonly type: C extends { type: 'gauge' } ? 'gauge' : 'counter';
  readonly label: 'worker';
};
type WorkerMetricList = {
  readonly [K in WorkerStatsKey]: WorkerMetricSpec<Extract<WorkerCounterEntry, { statsKey: K } | { name: K }>>;
};

/**
 * The worker counters of agent-counters.ts as metric entries, derived so
 * that no name is written twice: the `/stats` key is `statsKey ?? name`,
 * the metric its snake_case (plus `_total` for a counter), the HELP its
 * description.
 */
const WORKER_METRICS = Object.fromEntries(
  WORKER_COUNTERS.map((c) => {
    const key = workerStatsKey(c);
    const type = 'type' in c ? c.type : 'counter';
    const name = `${snakeCase(key)}${type === 'counter' ? '_total' : ''}`;
    return [key, { name, type, label: 'worker', help: c.help }];
  }),
) as WorkerMetricList;

const bounds = SharedHistogram.BOUNDS_SECONDS;
const duration = (s: number) => (s < 1e-3 ? `${Math.round(s * 1e6)} µs` : `${Math.round(s * 1e3)} ms`);

/**
 * The agent's metrics, written once: `/stats` keys (what scripts read),
 * `/metrics` names under `lars_agent_`, and the README table
 * (`pnpm docs:metrics`) all come from here. Worker counters are per worker
 * (`{worker}` = port offset: `/stats` shows `{ '0': n, '1': n, '2': n }`;
 * Agent.stats() sums them); the outbound links are per configured address
 * (`{peer}` = `host:port`). Nothing is labelled per SDK caller.
 */
export const AGENT_METRICS = defineMetrics({
  ...WORKER_METRICS,
  badDatagrams: {
    name: 'bad_datagrams_total',
    type: 'counter',
    help: 'Datagrams dropped as malformed (badFrames + lengthMismatch), all workers.',
  },
  pullsSent: { name: 'pulls_sent_total', type: 'counter', help: 'GetRouteRequests sent to the DNS.' },
  pullsRefused: {
    name: 'pulls_refused_total',
    type: 'counter',
    help: 'Pulls not sent at once: no DNS link was up (every route is pulled again on connect), or the link refused it (it waits and is retried).',
  },
  pullsPending: {
    name: 'pulls_pending',
    type: 'gauge',
    help: 'Pulls waiting for their turn (pullRatePerSecond) or for the link to take them, one per key.',
  },
  pullsUnanswered: {
    name: 'pulls_unanswered',
    type: 'gauge',
    help: 'Pulls sent on the current DNS link not yet answered by a GetRouteResponse for their key.',
  },
  dnsFailovers: {
    name: 'dns_failovers_total',
    type: 'counter',
    help: 'DNS links dropped because a pull went unanswered past pullTimeoutMs; the next address is tried.',
  },
  routesIn: { name: 'routes_in_total', type: 'counter', help: 'GetRouteResponses (replies and pushes) from the DNS.' },
  routesRefused: {
    name: 'routes_refused_total',
    type: 'counter',
    help: "Routes from the DNS the owning worker's full queue refused.",
  },
  badRoutes: { name: 'bad_routes_total', type: 'counter', help: 'GetRouteResponses from the DNS that did not decode.' },
  reportsSent: {
    name: 'reports_sent_total',
    type: 'counter',
    help: 'ReportStatusRequests handed to a reporter link (queued there, written as its connection drains).',
  },
  reportsRefused: {
    name: 'reports_refused_total',
    type: 'counter',
    help: 'ReportStatusRequests a reporter link refused (too large, or closed).',
  },
  requestsPerWorker: {
    name: 'requests_total',
    type: 'counter',
    label: 'worker',
    help: 'Datagrams received by each worker: datagramsIn, under the /stats key scripts have read.',
  },
  toWorkerQueueDepth: {
    name: 'to_worker_queue_records',
    type: 'gauge',
    label: 'worker',
    help: 'Records waiting in the queue from the main thread to each worker.',
  },
  toMainQueueDepth: {
    name: 'to_main_queue_records',
    type: 'gauge',
    label: 'worker',
    help: 'Records waiting in the queue from each worker to the main thread.',
  },
  dnsConnected: { name: 'dns_connected', type: 'gauge', help: '1 while a DNS link is up, else 0.' },
  dnsConnects: { name: 'dns_connects_total', type: 'counter', help: 'DNS connections made, to any address.' },
  reportersConnected: { name: 'reporters_connected', type: 'gauge', help: 'Reporter links up.' },
  reportQueueFrames: {
    name: 'report_queue_frames',
    type: 'gauge',
    help: 'Report snapshots waiting to be written (reporter down or not draining, or to be resent), all reporters.',
  },
  reportsDropped: {
    name: 'reports_dropped_total',
    type: 'counter',
    help: 'Report snapshots given up unconfirmed, all reporters: overflow past reportQueueBytes plus those left waiting at close.',
  },
  workersAlive: {
    name: 'workers_alive',
    type: 'gauge',
    help: 'UDP worker threads running (workerThreads when healthy).',
  },
  workerThreads: { name: 'worker_threads', type: 'gauge', help: 'UDP worker threads configured ([agent] threads).' },
  transport: {
    name: 'transport',
    type: 'gauge',
    label: 'transport',
    help: 'Always 1, labelled with the UDP transport the workers use: native (recvmmsg/sendmmsg) or dgram.',
  },
  dnsLinkUp: {
    name: 'dns_link_up',
    type: 'gauge',
    label: 'peer',
    help: 'Per configured DNS address: 1 while the link to it is up (one at a time: failover), else 0.',
  },
  dnsLinkConnects: {
    name: 'dns_link_connects_total',
    type: 'counter',
    label: 'peer',
    help: 'Per configured DNS address: connections made to it.',
  },
  reporterLinkUp: {
    name: 'reporter_link_up',
    type: 'gauge',
    label: 'peer',
    help: 'Per configured reporter address: 1 while the link to it is up, else 0.',
  },
  reporterLinkConnects: {
    name: 'reporter_link_connects_total',
    type: 'counter',
    label: 'peer',
    help: 'Per configured reporter address: connections made to it.',
  },
  reporterLinkQueueFrames: {
    name: 'reporter_link_queue_frames',
    type: 'gauge',
    label: 'peer',
    help: 'Per configured reporter address: report snapshots waiting to be written (first time or again).',
  },
  reporterLinkUnconfirmedFrames: {
    name: 'reporter_link_unconfirmed_frames',
    type: 'gauge',
    label: 'peer',
    help: 'Per configured reporter address: snapshots written to the live connection, not yet confirmed (in flight; resent if it closes).',
  },
  reporterLinkDropped: {
    name: 'reporter_link_reports_dropped_total',
    type: 'counter',
    label: 'peer',
    help: 'Per configured reporter address: snapshots given up unconfirmed (overflow, plus those left waiting at close).',
  },
  reporterLinkOverflow: {
    name: 'reporter_link_overflow_total',
    type: 'counter',
    label: 'peer',
    help: 'Per configured reporter address: waiting snapshots dropped, oldest first, to stay within reportQueueBytes.',
  },
  reporterLinkResends: {
    name: 'reporter_link_resends_total',
    type: 'counter',
    label: 'peer',
    help: 'Per configured reporter address: snapshots written again because the connection they were written to closed within reportGraceMs.',
  },
  reporterLinkConfirmed: {
    name: 'reporter_link_confirmed_total',
    type: 'counter',
    label: 'peer',
    help: 'Per configured reporter address: snapshots confirmed (in the kernel, connection up reportGraceMs after) and released.',
  },
  reporterLinkStalls: {
    name: 'reporter_link_stalls_total',
    type: 'counter',
    label: 'peer',
    help: 'Per configured reporter address: connections declared dead because their output did not shrink for reporterStallTimeoutMs.',
  },
  getHostSeconds: {
    name: 'get_host_seconds',
    type: 'histogram',
    source: 'snapshot',
    label: 'worker',
    help: `get_host service time on each worker, request decoded to reply sent, for the sampled requests (1 in getHostLatencySampleEvery, ${DEFAULT_LATENCY_SAMPLE_EVERY} by default; buckets ${duration(bounds[0])} .. ${duration(bounds[bounds.length - 1])}, each twice the last).`,
  },
});
