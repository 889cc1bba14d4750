export { ReporterServer } from './reporter-server.js';
export type { ReporterServerOptions } from './reporter-server.js';
export { reporterOptionsFromConfig } from './reporter-config.js';
export { upsertCallStatus, UPSERT_CALL_STATUS_SQL } from './call-status-sql.js';
export { StatusRecordWriter, readStatusRecord } from './status-record.js';
export type { CallStatusRow } from './status-record.js';
