// What tests and benchmarks need beyond the public API; not a stable surface.
export * from './index.js';
export { localIpv4, STOP_WORKER_HEARTBEAT } from './agent.js';
export { AGENT_METRICS } from './agent-metrics.js';
export { stopWorkerHeartbeat } from './agent-test-hooks.js';
export { LOAD_BALANCE_DEFAULTS, loadBalanceConfigFromConfig, checkLoadBalanceConfig } from './load-balance-config.js';
export type { LoadBalanceConfig } from './load-balance-config.js';
export { LoadBalance, RouteState } from './load-balance.js';
export type { LoadBalanceEvents, PickResult } from './load-balance.js';
export { LoadBalanceHost } from './load-balance-host.js';
export { RouteBook } from './route-book.js';
export type { RouteBookOutput, GetHostResult, RouteBookCounters } from './route-book.js';
export { AgentCore, DEFAULT_LATENCY_SAMPLE_EVERY } from './agent-core.js';
export type { AgentCoreOptions, AgentReplyTarget, GetHostQuery, ReportQuery, RouteQuery } from './agent-core.js';
export {
  WORKER_COUNTERS,
  WORKER_COUNTER_NAMES,
  publishWorkerCounters,
  workerCounterRow,
  workerCounterRows,
  workerCounterTotals,
  workerStatsKey,
} from './agent-counters.js';
export type { AgentCoreCounters, WorkerCounter, WorkerCounterSources, WorkerStatsKey } from './agent-counters.js';
export { routeRecord, DNS_CONNECTED_RECORD } from './agent-protocol.js';
