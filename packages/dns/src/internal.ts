// What tests and benchmarks need beyond the public API; not a stable surface.
export * from './index.js';
export { DNS_METRICS } from './dns-metrics.js';
export { RouteTable, buildRouteTable } from './route-table.js';
export type { RouteTableBuild, TruncatedRoute } from './route-table.js';
export { LOAD_ROUTES_SQL } from './route-store.js';
export type { RouteKey, RouteRow } from './route-store.js';
