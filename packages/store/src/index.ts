// @lars/store: every piece of Lars that speaks SQL to the route store, shared
// by the DNS, the reporter, the tools and the console so that no daemon
// package imports another.

export {
  mysqlSettingsFromConfig,
  mysqlOptionsFromConfig,
  describeMysql,
  formatMysqlAddress,
  mysqlAddresses,
  parseMysqlAddress,
  MYSQL_DEFAULTS,
  MYSQL_RULES,
} from './mysql-settings.js';
export type { MysqlAddress } from './mysql-settings.js';
export { MYSQL_FAILOVER_BACKOFF, MysqlFailover } from './mysql-failover.js';
export type { MysqlFailoverEvent, MysqlFailoverOptions } from './mysql-failover.js';
export type { WithMysql } from './mysql-settings.js';
export type { MysqlSettings } from './mysql-settings.js';
export { findMysqlConfig } from './mysql-config-file.js';
export type { FoundMysqlConfig } from './mysql-config-file.js';
export { connectMysql, createMysqlPool, logMysqlFailover, MysqlLink } from './mysql-link.js';
export type { MysqlLinkOptions, MysqlPoolOptions } from './mysql-link.js';
export { changeRoutes, validateRouteEdit, describeRouteEdit, MAX_REPLACE_HOSTS } from './route-change.js';
export type { ChangeRoutesOptions, RouteEdit, RouteEditResult, RouteChangeResult } from './route-change.js';
export { RouteEditNoop } from './route-edit-apply.js';
export {
  emptyHostChanges,
  mergeHostChanges,
  readRouteAudit,
  validateRouteActor,
  ROUTE_ACTOR_MAX,
  ROUTE_AUDIT_MAX_LIMIT,
} from './route-audit.js';
export type {
  ReadRouteAuditOptions,
  RouteActor,
  RouteAuditEntry,
  RouteHost,
  RouteHostChanges,
} from './route-audit.js';
export {
  callStatusRowBytes,
  upsertCallStatus,
  UPSERT_CALL_STATUS_FIXED_BYTES,
  UPSERT_CALL_STATUS_SQL,
} from './call-status-sql.js';
export {
  pruneOnce,
  PruneTarget,
  readCallStatus,
  READ_CALL_STATUS_KEYS,
  rollupRowBytes,
  upsertRollup,
  upsertRollupSql,
  UPSERT_ROLLUP_FIXED_BYTES,
  UPSERT_ROLLUP_SQL,
} from './call-status-rollup-sql.js';
export type { CallStatusKey, RollupRow } from './call-status-rollup-sql.js';
export { readMaxAllowedPacket, setLockWaitTimeout } from './mysql-server-limits.js';
export type { CallStatusRow } from './call-status-sql.js';
export {
  classifyMysqlError,
  isMysqlConnectionBroken,
  isStatementTooLarge,
  isTransientMysqlError,
  MysqlErrorClass,
  mysqlErrorFields,
  ROW_ERRNOS,
  STATEMENT_TOO_LARGE_ERRNOS,
  throttledMysqlError,
  TRANSIENT_CONNECTION_CODES,
  TRANSIENT_ERRNOS,
} from './mysql-errors.js';
export type { MysqlErrorFields, MysqlErrorLogFields } from './mysql-errors.js';
export { compareSemver, isSemver } from './semver.js';
export { checkMigrationSequence, loadMigrations, MIGRATIONS_DIR, parseMigration } from './migrations-files.js';
export type { Migration, MigrationStatement } from './migrations-files.js';
export { describeMigrationReport, migrateDatabase, pendingMigrations } from './migrations-runner.js';
export type { AppliedMigration, MigrateOptions, MigrationReport } from './migrations-runner.js';
export type { SchemaLockTiming } from './migrations-lock.js';
export { SCHEMA_LOCK_TABLE, SCHEMA_VERSION_TABLE } from './migrations-tables.js';
export { checkDaemonSchema, checkSchemaCompatibility, readPackageVersion } from './schema-version-check.js';
export type { DaemonIdentity, SchemaCompatibility } from './schema-version-check.js';
