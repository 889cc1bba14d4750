import type { Config } from '@lars/reactor';
import type { DnsServerOptions } from './dns-server.js';
import { mysqlSettingsFromConfig } from '@lars/store';

/**
 * DnsServerOptions from lars_dns.conf: the original's `[reactor] ip, port,
 * maxConn, threadNum` and `[mysql]`, plus `[dns] check_interval` and
 * `reload_interval` in seconds (fractions allowed).
 *
 * `threadNum` (the original's I/O thread count) is read and validated but
 * changes nothing: Node cannot share one listening socket among worker
 * threads, so connections are served on the main thread (each request is one
 * table lookup) and loading runs on its own worker thread.
 */
export function dnsOptionsFromConfig(config: Config): DnsServerOptions {
  config.getNumber('reactor', 'threadNum', 1);
  return {
    host: config.getString('reactor', 'ip', '127.0.0.1'),
    port: config.getNumber('reactor', 'port', 7778),
    maxConn: config.getNumber('reactor', 'maxConn', 1024),
    mysql: mysqlSettingsFromConfig(config),
    checkIntervalMs: Math.round(config.getFloat('dns', 'check_interval', 1) * 1000),
    reloadIntervalMs: Math.round(config.getFloat('dns', 'reload_interval', 10) * 1000),
  };
}
