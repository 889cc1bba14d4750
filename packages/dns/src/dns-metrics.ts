import { defineMetrics, TCP_GUARD_METRICS, TCP_SERVER_METRICS } from '@lars/reactor';

/**
 * The DNS's metrics, written once: `/stats` keys (what scripts read),
 * `/metrics` names under `lars_dns_`, and the README table
 * (`pnpm docs:metrics`) all come from here. Everything is kept on the main
 * thread; the loader's timings arrive with its replies.
 */
export const DNS_METRICS = defineMetrics({
  ...TCP_SERVER_METRICS,
  ...TCP_GUARD_METRICS,
  checks: {
    name: 'checks_total',
    type: 'counter',
    help: 'Backend-loop rounds that reached MySQL.',
  },
  requests: {
    name: 'requests_total',
    type: 'counter',
    help: 'GetRouteRequests answered (a held one when the first table loads).',
  },
  pushes: { name: 'pushes_total', type: 'counter', help: 'Route-change pushes sent to subscribed connections.' },
  pushFailures: {
    name: 'push_failures_total',
    type: 'counter',
    help: 'Route-change pushes a connection could not take (closing or over its output bound).',
  },
  loads: {
    name: 'loads_total',
    type: 'counter',
    help: 'Route tables loaded: the whole of RouteData, or only the changed routes (incremental).',
  },
  incrementalLoads: {
    name: 'incremental_loads_total',
    type: 'counter',
    help: 'Route tables loaded by reading only the routes RouteChange names and patching the served table.',
  },
  changesSwept: {
    name: 'route_changes_swept_total',
    type: 'counter',
    help: 'RouteChange rows this DNS deleted past [dns] change_retention.',
  },
  loadFailures: {
    name: 'load_failures_total',
    type: 'counter',
    help: 'Backend-loop rounds that failed (MySQL down or refusing the DNS, a query failed, the loader died), the schema check before the first load included.',
  },
  lastLoadMs: {
    name: 'last_load_seconds',
    type: 'gauge',
    help: 'How long the last table load took on the loader: the SELECT plus building the table.',
    statsUnit: 'ms',
  },
  lastSelectMs: {
    name: 'last_select_seconds',
    type: 'gauge',
    help: 'How long the SELECT of the last table load took.',
    statsUnit: 'ms',
  },
  lastSwapMs: {
    name: 'last_swap_seconds',
    type: 'gauge',
    help: 'How long the last loading round took, from asking the loader to serving the new table.',
    statsUnit: 'ms',
  },
  truncatedRoutes: {
    name: 'truncated_routes',
    type: 'gauge',
    help: 'Routes of the served table with more hosts than one frame holds (the first ones are served).',
  },
  loaderRestarts: { name: 'loader_restarts_total', type: 'counter', help: 'Loader threads replaced after one died.' },
  routeVersion: { name: 'route_version', type: 'gauge', help: 'RouteVersion of the served table (0: none yet).' },
  tableRoutes: { name: 'table_routes', type: 'gauge', help: 'Routes (modid, cmdid) in the served table.' },
  tableHosts: { name: 'table_hosts', type: 'gauge', help: 'Hosts in the served table.' },
  lastLoadTime: {
    name: 'last_load_timestamp_seconds',
    type: 'gauge',
    help: 'When the served table was loaded, unix time (0: none yet).',
  },
  subscribedKeys: { name: 'subscribed_keys', type: 'gauge', help: 'Routes with at least one subscribed connection.' },
  subscriptions: { name: 'subscriptions', type: 'gauge', help: 'Subscriptions: (route, connection) pairs.' },
  subscriptionsExpired: {
    name: 'subscriptions_expired_total',
    type: 'counter',
    help: 'Subscriptions ended by [dns] subscription_ttl: neither pulled nor pushed for that long.',
  },
  heldRequests: {
    name: 'held_requests',
    type: 'gauge',
    help: 'GetRouteRequests held unanswered until the first route table loads (never answered empty).',
  },
  mysqlUp: {
    name: 'mysql_up',
    type: 'gauge',
    help: '1 when the last attempt to reach MySQL (the schema check or a backend-loop round) succeeded, else 0.',
  },
  routeLoadSeconds: {
    name: 'route_load_seconds',
    type: 'histogram',
    source: 'observe',
    help: 'Table loads by duration on the loader (SELECT plus build); a 1M-row load takes seconds.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  },
  pushFanoutSeconds: {
    name: 'push_fanout_seconds',
    type: 'histogram',
    source: 'observe',
    help: 'Changed routes by the time taken to push one to all its subscribers.',
    buckets: [0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5],
  },
});
