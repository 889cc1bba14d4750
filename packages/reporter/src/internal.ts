// What tests and benchmarks need beyond the public API; not a stable surface.
export * from './index.js';
export { StatusRecordWriter, readStatusRecord } from './status-record.js';
