// What tests and benchmarks need beyond the public API; not a stable surface.
export * from './index.js';
export { BATCH_ROWS_BOUNDS, BATCH_WRITE_SECONDS_BOUNDS, REPORTER_METRICS } from './reporter-metrics.js';
export { StatusRecordWriter, readStatusRecord } from './status-record.js';
