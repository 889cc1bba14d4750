import { mysqlSettingsFromConfig } from '@lars/store';
import type { Config } from '@lars/reactor';
import type { ReporterServerOptions } from './reporter-server.js';

/**
 * ReporterServerOptions from lars_reporter.conf: the original's `[reactor]
 * ip, port, maxConn`, `[mysql]` and `[reporter] db_thread_cnt`, plus
 * `[reporter] queue_bytes` and `batch_size`.
 */
export function reporterOptionsFromConfig(config: Config): ReporterServerOptions {
  return {
    host: config.getString('reactor', 'ip', '127.0.0.1'),
    port: config.getNumber('reactor', 'port', 7779),
    maxConn: config.getNumber('reactor', 'maxConn', 1024),
    mysql: mysqlSettingsFromConfig(config),
    writers: config.getNumber('reporter', 'db_thread_cnt', 3),
    queueBytes: config.getNumber('reporter', 'queue_bytes', 8 * 1024 * 1024),
    batchRecords: config.getNumber('reporter', 'batch_size', 256),
  };
}
