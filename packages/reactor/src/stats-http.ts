import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkOption } from '@lars/wire';
import { silentLogger, type Logger } from './logger.js';

/**
 * A daemon's counters: numbers, or one level of labelled numbers
 * (`{ drops: { '0': 3, '1': 0 } }` becomes `lars_dns_drops{key="0"} 3`).
 * Booleans read as 0/1; strings are kept in /stats and left out of /metrics.
 */
export type StatsSnapshot = Record<string, number | boolean | string | Record<string, number>>;

export interface StatsHttpServerOptions {
  /** Loopback by default: the counters are for this machine's operator. */
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Metric name prefix, e.g. `lars_dns`. */
  prefix?: string;
  logger?: Logger;
}

const DEFAULTS = {
  host: '127.0.0.1',
  port: 0,
  prefix: 'lars',
} as const;

const METRIC_NAME = /[^a-zA-Z0-9_]/g;

/**
 * The `[stats]` endpoint of docs/configuration.md: `GET /metrics` in the Prometheus text
 * format and `GET /stats` as JSON, both rendered from `collect()` on demand.
 */
export class StatsHttpServer {
  readonly host: string;
  readonly port: number;
  readonly prefix: string;
  private readonly collect: () => StatsSnapshot;
  private readonly logger: Logger;
  private readonly server: Server;

  constructor(collect: () => StatsSnapshot, options: StatsHttpServerOptions = {}) {
    this.host = options.host ?? DEFAULTS.host;
    this.port = options.port ?? DEFAULTS.port;
    this.prefix = options.prefix ?? DEFAULTS.prefix;
    checkOption(Number.isInteger(this.port) && this.port >= 0 && this.port <= 65535, 'port', 'must be 0..65535');
    this.collect = collect;
    this.logger = (options.logger ?? silentLogger()).child({ component: 'stats-http' });
    this.server = createServer(this.onRequest);
  }

  listen(): Promise<{ address: string; port: number }> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.port, this.host, () => {
        this.server.off('error', reject);
        const info = this.server.address() as AddressInfo;
        this.logger.info({ address: info.address, port: info.port }, 'stats endpoint listening');
        resolve({ address: info.address, port: info.port });
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private readonly onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' || (path !== '/metrics' && path !== '/stats')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('try GET /metrics or GET /stats\n');
      return;
    }
    let snapshot: StatsSnapshot;
    try {
      snapshot = this.collect();
    } catch (err) {
      this.logger.error({ err }, 'collecting stats failed');
      res.writeHead(500, { 'content-type': 'text/plain' }).end('collecting stats failed\n');
      return;
    }
    if (path === '/stats') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(`${JSON.stringify(snapshot)}\n`);
    } else {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(renderPrometheus(this.prefix, snapshot));
    }
  };
}

/** Prometheus text exposition of a snapshot (every value a gauge: counters and levels alike). */
export function renderPrometheus(prefix: string, snapshot: StatsSnapshot): string {
  const lines: string[] = [];
  for (const [key, value] of Object.entries(snapshot)) {
    const name = `${prefix}_${key}`.replace(METRIC_NAME, '_');
    if (typeof value === 'string') continue;
    lines.push(`# TYPE ${name} gauge`);
    if (typeof value === 'object') {
      for (const [label, v] of Object.entries(value))
        lines.push(`${name}{key="${label.replace(/["\\\n]/g, '_')}"} ${v}`);
    } else {
      lines.push(`${name} ${typeof value === 'boolean' ? Number(value) : value}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
