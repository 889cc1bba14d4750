// What tests and benchmarks need beyond the public API; not a stable surface.
export * from './index.js';
export { DNS_METRICS } from './dns-metrics.js';
export { RouteTable, buildRouteTable, changedRoutes, patchRouteTable } from './route-table.js';
export type { RoutePatch, RouteTableBuild, TruncatedRoute } from './route-table.js';
export { ChangeCursor } from './change-cursor.js';
export type { RouteChangeRow } from './change-cursor.js';
export { LOAD_ROUTES_SQL } from './route-store.js';
export type { RouteKey, RouteRow } from './route-store.js';
