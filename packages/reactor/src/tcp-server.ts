import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { checkOption } from '@lars/wire';
import { MAX_FRAME_BYTES } from '@lars/wire';
import { LogThrottle } from '@lars/wire';
import { silentLogger } from './logger.js';
import type { Logger } from './logger.js';
import type { MessageRouter } from '@lars/wire';
import { TCP_CONNECTION_DEFAULTS, TcpConnection, newTcpCounters } from './tcp-connection.js';
import type { TcpConnectionOptions, TcpConnectionOwner, TcpCounters } from './tcp-connection.js';

export interface TcpServerOptions<Ctx = unknown> extends TcpConnectionOptions {
  /** Bind address; loopback by default (docs/configuration.md). */
  host?: string;
  /** 0 picks a free port (see listen()'s result). */
  port?: number;
  /** Live connections allowed; one more is closed at once and counted as refused. */
  maxConn?: number;
  backlog?: number;
  /** Runs before any frame of `conn` is dispatched. A throw is logged and closes the connection. */
  onConnectionStart?: (conn: TcpConnection<Ctx>) => void;
  /** Runs once per started connection, after its last dispatch. */
  onConnectionClose?: (conn: TcpConnection<Ctx>) => void;
}

export interface TcpServerStats extends TcpCounters {
  /** Live connections. */
  connections: number;
  accepted: number;
  refused: number;
}

const DEFAULTS = {
  ...TCP_CONNECTION_DEFAULTS,
  host: '127.0.0.1',
  port: 0,
  maxConn: 1024,
  backlog: 511,
} as const;

/**
 * Framed TCP server: each accepted socket becomes a TcpConnection whose
 * frames go through `router`. Holds the live connection set for pushes.
 */
export class TcpServer<Ctx = unknown> {
  readonly host: string;
  readonly port: number;
  readonly maxConn: number;
  readonly maxOutputBytes: number;
  readonly closeGraceMs: number;
  readonly noDelay: boolean;
  readonly backlog: number;

  private readonly server: Server;
  private readonly live = new Set<TcpConnection<Ctx>>();
  private readonly owner: TcpConnectionOwner<Ctx>;
  private readonly counters: TcpCounters = newTcpCounters();
  private readonly logger: Logger;
  private readonly throttle: LogThrottle;
  private readonly onStart: ((conn: TcpConnection<Ctx>) => void) | undefined;
  private readonly onEnd: ((conn: TcpConnection<Ctx>) => void) | undefined;
  private accepted = 0;
  private refused = 0;
  private nextId = 1;
  private closing = false;
  private closePromise: Promise<void> | null = null;

  constructor(router: MessageRouter<TcpConnection<Ctx>>, options: TcpServerOptions<Ctx> = {}) {
    this.host = options.host ?? DEFAULTS.host;
    this.port = options.port ?? DEFAULTS.port;
    this.maxConn = options.maxConn ?? DEFAULTS.maxConn;
    this.maxOutputBytes = options.maxOutputBytes ?? DEFAULTS.maxOutputBytes;
    this.closeGraceMs = options.closeGraceMs ?? DEFAULTS.closeGraceMs;
    this.noDelay = options.noDelay ?? DEFAULTS.noDelay;
    this.backlog = options.backlog ?? DEFAULTS.backlog;
    const warnIntervalMs = options.warnIntervalMs ?? DEFAULTS.warnIntervalMs;
    checkOption(Number.isInteger(this.port) && this.port >= 0 && this.port <= 65535, 'port', 'must be 0..65535');
    checkOption(Number.isInteger(this.maxConn) && this.maxConn >= 1, 'maxConn', 'must be an integer >= 1');
    checkOption(
      Number.isFinite(this.maxOutputBytes) && this.maxOutputBytes >= MAX_FRAME_BYTES,
      'maxOutputBytes',
      `must hold at least one whole frame (${MAX_FRAME_BYTES} bytes)`,
    );
    checkOption(Number.isFinite(this.closeGraceMs) && this.closeGraceMs >= 0, 'closeGraceMs', 'must be >= 0');
    checkOption(Number.isFinite(warnIntervalMs) && warnIntervalMs >= 0, 'warnIntervalMs', 'must be >= 0');
    this.logger = (options.logger ?? silentLogger()).child({ component: 'tcp-server' });
    this.throttle = new LogThrottle(warnIntervalMs);
    this.onStart = options.onConnectionStart;
    this.onEnd = options.onConnectionClose;
    this.owner = {
      router,
      counters: this.counters,
      logger: this.logger,
      throttle: this.throttle,
      maxOutputBytes: this.maxOutputBytes,
      closeGraceMs: this.closeGraceMs,
      connectionClosed: (conn) => this.connectionClosed(conn),
    };
    this.server = createServer({ noDelay: this.noDelay }, this.onConnection);
    this.server.on('error', this.onServerError);
  }

  /** Starts listening; resolves with the bound address (useful with port 0). */
  listen(): Promise<{ address: string; port: number }> {
    return new Promise((resolve, reject) => {
      const onListenError = (err: Error): void => reject(err);
      this.server.once('error', onListenError);
      this.server.listen({ host: this.host, port: this.port, backlog: this.backlog }, () => {
        this.server.off('error', onListenError);
        const info = this.server.address() as AddressInfo;
        this.logger.info({ address: info.address, port: info.port }, 'listening');
        resolve({ address: info.address, port: info.port });
      });
    });
  }

  /** Live connections, for pushes. Do not close connections while iterating without copying first. */
  get connections(): ReadonlySet<TcpConnection<Ctx>> {
    return this.live;
  }

  stats(): TcpServerStats {
    return { connections: this.live.size, accepted: this.accepted, refused: this.refused, ...this.counters };
  }

  /** Stops accepting, closes every connection gracefully (bounded by closeGraceMs), then resolves. */
  close(): Promise<void> {
    if (this.closePromise === null) this.closePromise = this.doClose();
    return this.closePromise;
  }

  private async doClose(): Promise<void> {
    this.closing = true;
    const listenerClosed = new Promise<void>((resolve) => {
      // Errors only when the server was never listening: nothing to wait for then.
      this.server.close(() => resolve());
    });
    await Promise.all(Array.from(this.live, (conn) => conn.close()));
    await listenerClosed;
  }

  private readonly onConnection = (socket: Socket): void => {
    if (this.closing || this.live.size >= this.maxConn) {
      socket.destroy();
      if (this.closing) return;
      this.refused++;
      const suppressed = this.throttle.take('refused');
      if (suppressed >= 0) {
        this.logger.warn(
          { peer: `${socket.remoteAddress}:${socket.remotePort}`, maxConn: this.maxConn, suppressed },
          'maxConn reached, connection refused',
        );
      }
      return;
    }
    this.accepted++;
    const conn = new TcpConnection<Ctx>(socket, this.nextId++, this.owner);
    this.live.add(conn);
    if (this.onStart !== undefined) {
      try {
        this.onStart(conn);
      } catch (err) {
        this.logger.error({ peer: conn.peer, err }, 'onConnectionStart failed, closing connection');
        conn.destroy();
        return;
      }
    }
    conn.begin();
  };

  private connectionClosed(conn: TcpConnection<Ctx>): void {
    this.live.delete(conn);
    if (this.onEnd === undefined) return;
    try {
      this.onEnd(conn);
    } catch (err) {
      this.logger.error({ peer: conn.peer, err }, 'onConnectionClose failed');
    }
  }

  private readonly onServerError = (err: Error): void => {
    this.logger.error({ err }, 'server error');
  };
}
