// What tests and benchmarks need beyond the public API; not a stable surface.
export * from './index.js';
export { localIpv4 } from './agent.js';
export { LOAD_BALANCE_DEFAULTS, loadBalanceConfigFromConfig, checkLoadBalanceConfig } from './load-balance-config.js';
export type { LoadBalanceConfig } from './load-balance-config.js';
export { LoadBalance, RouteState } from './load-balance.js';
export type { LoadBalanceEvents } from './load-balance.js';
export { LoadBalanceHost } from './load-balance-host.js';
export { RouteBook } from './route-book.js';
export type { RouteBookOutput, GetHostResult, RouteBookCounters } from './route-book.js';
