import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkOption } from '@lars/wire';
import { ANSWERING, type DaemonHealth, type HealthReport } from './health.js';
import { silentLogger, type Logger } from './logger.js';

/**
 * A daemon's counters before it declares a metric list: numbers, or one
 * level of labelled numbers (`{ drops: { '0': 3, '1': 0 } }`). Booleans read
 * as 0/1; strings are kept in /stats and left out of /metrics.
 */
export type StatsSnapshot = Record<string, number | boolean | string | Record<string, number>>;

/** What `/stats` and `/metrics` are rendered from: a DaemonMetrics, or legacyStatsSource(). */
export interface StatsSource {
  /** The `/stats` JSON object. */
  stats(): Promise<Record<string, unknown>>;
  /** The `/metrics` text. */
  metrics(): Promise<string>;
  /** The `/metrics` content type. */
  readonly contentType: string;
}

export interface StatsHttpServerOptions {
  /** Loopback by default: the counters are for this machine's operator. */
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** `/healthz` and `/readyz`; without it both say 200 as long as the endpoint answers. */
  health?: DaemonHealth;
  logger?: Logger;
}

const DEFAULTS = {
  host: '127.0.0.1',
  port: 0,
} as const;

const PATHS = ['/metrics', '/stats', '/healthz', '/readyz'] as const;
type StatsPath = (typeof PATHS)[number];
const isStatsPath = (p: string): p is StatsPath => (PATHS as readonly string[]).includes(p);

/**
 * The `[stats]` endpoint of docs/configuration.md, on loopback:
 * `GET /metrics` (Prometheus text), `GET /stats` (JSON), both rendered on
 * demand, and `GET /healthz` / `GET /readyz` (a HealthReport as JSON, 200
 * when ok, 503 when not).
 */
export class StatsHttpServer {
  readonly host: string;
  readonly port: number;
  private readonly source: StatsSource;
  private readonly health: DaemonHealth;
  private readonly logger: Logger;
  private readonly server: Server;

  constructor(source: StatsSource, options: StatsHttpServerOptions = {}) {
    this.host = options.host ?? DEFAULTS.host;
    this.port = options.port ?? DEFAULTS.port;
    checkOption(Number.isInteger(this.port) && this.port >= 0 && this.port <= 65535, 'port', 'must be 0..65535');
    this.source = source;
    this.health = options.health ?? ANSWERING;
    this.logger = (options.logger ?? silentLogger()).child({ component: 'stats-http' });
    this.server = createServer((req, res) => void this.onRequest(req, res));
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

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' || !isStatsPath(path)) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`try GET ${PATHS.join(', ')}\n`);
      return;
    }
    try {
      switch (path) {
        case '/stats': {
          const body = `${JSON.stringify(await this.source.stats())}\n`;
          res.writeHead(200, { 'content-type': 'application/json' }).end(body);
          return;
        }
        case '/metrics': {
          const body = await this.source.metrics();
          res.writeHead(200, { 'content-type': this.source.contentType }).end(body);
          return;
        }
        case '/healthz':
          sendReport(res, this.health.live());
          return;
        case '/readyz':
          sendReport(res, this.health.ready());
          return;
      }
    } catch (err) {
      this.logger.error({ err, path }, 'stats endpoint failed');
      res.writeHead(500, { 'content-type': 'text/plain' }).end(`${path} failed: ${(err as Error).message}\n`);
    }
  }
}

function sendReport(res: ServerResponse, report: HealthReport): void {
  res.writeHead(report.ok ? 200 : 503, { 'content-type': 'application/json' }).end(`${JSON.stringify(report)}\n`);
}

/**
 * `/stats` and `/metrics` from a bare collect() for a daemon that has no
 * metric list yet: /stats as collected, /metrics as untyped gauges named
 * `<prefix>_<key>` (what renderPrometheus writes). Goes once every daemon
 * declares its list with DaemonMetrics.
 */
export function legacyStatsSource(collect: () => StatsSnapshot, prefix: string): StatsSource {
  return {
    stats: async () => collect(),
    metrics: async () => renderPrometheus(prefix, collect()),
    contentType: 'text/plain; version=0.0.4',
  };
}

const METRIC_NAME = /[^a-zA-Z0-9_]/g;

/** Prometheus text of a legacy snapshot (every value a gauge: counters and levels alike). */
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
