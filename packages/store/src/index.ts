// @lars/store: every piece of Lars that speaks SQL to the route store, shared
// by the DNS, the reporter, the tools and the console so that no daemon
// package imports another.

export { mysqlSettingsFromConfig, describeMysql, MYSQL_DEFAULTS } from './mysql-settings.js';
export type { MysqlSettings } from './mysql-settings.js';
export { MysqlLink } from './mysql-link.js';
export { changeRoutes, validateRouteEdit, describeRouteEdit } from './route-change.js';
export type { RouteEdit, RouteEditResult, RouteChangeResult } from './route-change.js';
export { upsertCallStatus, UPSERT_CALL_STATUS_SQL } from './call-status-sql.js';
export type { CallStatusRow } from './call-status-sql.js';
