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
import {
  PerAddressCount,
  SweepVerdict,
  displacementVictim,
  newGuardCounters,
  sweepVerdict,
} from './connection-guard.js';
import type { GuardCounters, TcpGuardOptions } from './connection-guard.js';
import { DEFAULT_ALLOW, IpAllowList } from './ip-allow-list.js';

export interface TcpServerOptions<Ctx = unknown> extends TcpConnectionOptions, TcpGuardOptions {
  /** Bind address; loopback by default (docs/configuration.md). */
  host?: string;
  /** 0 picks a free port (see listen()'s result). */
  port?: number;
  /**
   * Live connections allowed. One more displaces the longest-silent open
   * connection that never sent a valid frame, if there is one; else it is
   * closed at once and counted as refused.
   */
  maxConn?: number;
  /** The guards' clock, ms (monotonic by default); tests inject a fake one and call sweep(). */
  now?: () => number;
  backlog?: number;
  /** Runs before any frame of `conn` is dispatched. A throw is logged and closes the connection. */
  onConnectionStart?: (conn: TcpConnection<Ctx>) => void;
  /** Runs once per started connection, after its last dispatch. */
  onConnectionClose?: (conn: TcpConnection<Ctx>) => void;
}

export interface TcpServerStats extends TcpCounters, GuardCounters {
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
  // A quarter of the default maxConn: one address cannot take every slot, while
  // a host running many local agents and tools (two links each) stays far below it.
  maxConnPerIp: 256,
  frameTimeoutMs: 10_000,
  connIdleTimeoutMs: 0,
  allow: DEFAULT_ALLOW,
  backlog: 511,
} as const;

/** The sweep runs every quarter of the shortest timeout, within these bounds (ms). */
const SWEEP_MIN_MS = 10;
const SWEEP_MAX_MS = 1000;

const monotonicNow = (): number => performance.now();

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
  readonly maxConnPerIp: number;
  readonly frameTimeoutMs: number;
  readonly connIdleTimeoutMs: number;
  readonly allow: IpAllowList;
  /** How often the one sweep timer checks the timeouts, ms. */
  readonly sweepIntervalMs: number;

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
  private readonly guards: GuardCounters = newGuardCounters();
  private readonly perAddress: PerAddressCount;
  /**
   * Live connections this server closed (sweep, displacement) whose socket
   * has not closed yet: still in `live`, no longer counted against the limits.
   */
  private readonly dying = new Set<TcpConnection<Ctx>>();
  private readonly now: () => number;
  private sweepTimer: NodeJS.Timeout | null = null;
  private nextId = 1;
  private closing = false;
  private listenerClosed: Promise<void> | null = null;
  private closePromise: Promise<void> | null = null;
  private drainPromise: Promise<void> | null = null;

  constructor(router: MessageRouter<TcpConnection<Ctx>>, options: TcpServerOptions<Ctx> = {}) {
    this.host = options.host ?? DEFAULTS.host;
    this.port = options.port ?? DEFAULTS.port;
    this.maxConn = options.maxConn ?? DEFAULTS.maxConn;
    this.maxOutputBytes = options.maxOutputBytes ?? DEFAULTS.maxOutputBytes;
    this.closeGraceMs = options.closeGraceMs ?? DEFAULTS.closeGraceMs;
    this.noDelay = options.noDelay ?? DEFAULTS.noDelay;
    this.backlog = options.backlog ?? DEFAULTS.backlog;
    this.maxConnPerIp = options.maxConnPerIp ?? DEFAULTS.maxConnPerIp;
    this.frameTimeoutMs = options.frameTimeoutMs ?? DEFAULTS.frameTimeoutMs;
    this.connIdleTimeoutMs = options.connIdleTimeoutMs ?? DEFAULTS.connIdleTimeoutMs;
    this.now = options.now ?? monotonicNow;
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
    checkOption(
      Number.isInteger(this.maxConnPerIp) && this.maxConnPerIp >= 1,
      'maxConnPerIp',
      'must be an integer >= 1',
    );
    checkOption(Number.isFinite(this.frameTimeoutMs) && this.frameTimeoutMs > 0, 'frameTimeoutMs', 'must be > 0');
    checkOption(
      Number.isFinite(this.connIdleTimeoutMs) && this.connIdleTimeoutMs >= 0,
      'connIdleTimeoutMs',
      'must be >= 0 (0 = off)',
    );
    this.allow = IpAllowList.parse(options.allow ?? DEFAULTS.allow, 'allow');
    this.perAddress = new PerAddressCount(this.maxConnPerIp);
    const shortest =
      this.connIdleTimeoutMs > 0 ? Math.min(this.frameTimeoutMs, this.connIdleTimeoutMs) : this.frameTimeoutMs;
    this.sweepIntervalMs = Math.min(SWEEP_MAX_MS, Math.max(SWEEP_MIN_MS, Math.floor(shortest / 4)));
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
      now: this.now,
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
        this.startSweep();
        resolve({ address: info.address, port: info.port });
      });
    });
  }

  /** Live connections, for pushes. Do not close connections while iterating without copying first. */
  get connections(): ReadonlySet<TcpConnection<Ctx>> {
    return this.live;
  }

  stats(): TcpServerStats {
    return {
      connections: this.live.size,
      accepted: this.accepted,
      refused: this.refused,
      ...this.guards,
      ...this.counters,
    };
  }

  /** Stops accepting, closes every connection gracefully (bounded by closeGraceMs), then resolves. */
  close(): Promise<void> {
    if (this.closePromise === null) this.closePromise = this.doClose();
    return this.closePromise;
  }

  /**
   * Stops accepting; every open connection goes on being read and dispatched
   * until it has nothing more buffered (TcpConnection.drain), then is closed
   * gracefully. Resolves when all are closed. What peers sent before this
   * call and is already in the socket buffers is dispatched, not dropped.
   * The sweep goes on meanwhile (a trickling peer is still cut by
   * frameTimeoutMs); a peer that keeps sending whole frames keeps its
   * connection draining, so bound drain() with close(), which ends it at once.
   */
  drain(): Promise<void> {
    if (this.drainPromise === null) this.drainPromise = this.doDrain();
    return this.drainPromise;
  }

  /**
   * Checks every connection against frameTimeoutMs and connIdleTimeoutMs
   * once. The sweep timer calls it every sweepIntervalMs; tests with an
   * injected clock call it directly.
   */
  sweep(): void {
    const now = this.now();
    for (const conn of this.live) {
      if (conn.closed) continue;
      const verdict = sweepVerdict(conn, now, this.frameTimeoutMs, this.connIdleTimeoutMs);
      if (verdict === SweepVerdict.FRAME_TIMEOUT) {
        this.guards.frameTimeouts++;
        this.warnPeer('frame-timeout', conn.peer, 'incomplete frame held past frameTimeoutMs, closing connection', {
          frameTimeoutMs: this.frameTimeoutMs,
          partialBytes: conn.partialBytes,
        });
        this.retire(conn, false);
      } else if (verdict === SweepVerdict.IDLE) {
        this.guards.idleClosed++;
        this.logger.debug({ peer: conn.peer, conn: conn.id }, 'connection idle past connIdleTimeoutMs, closing');
        this.retire(conn, true);
      }
    }
  }

  private stopListening(): Promise<void> {
    this.closing = true;
    if (this.listenerClosed === null) {
      this.listenerClosed = new Promise<void>((resolve) => {
        // Errors only when the server was never listening: nothing to wait for then.
        this.server.close(() => resolve());
      });
    }
    return this.listenerClosed;
  }

  private async doClose(): Promise<void> {
    const listenerClosed = this.stopListening();
    this.stopSweep();
    await Promise.all(Array.from(this.live, (conn) => conn.close()));
    await listenerClosed;
  }

  private async doDrain(): Promise<void> {
    const listenerClosed = this.stopListening();
    const open = this.live.size;
    const framesBefore = this.counters.framesIn;
    await Promise.all(Array.from(this.live, (conn) => conn.drain()));
    this.stopSweep();
    await listenerClosed;
    this.logger.info({ connections: open, frames: this.counters.framesIn - framesBefore }, 'connections drained');
  }

  private stopSweep(): void {
    if (this.sweepTimer !== null) clearInterval(this.sweepTimer);
    this.sweepTimer = null;
  }

  private startSweep(): void {
    if (this.sweepTimer !== null || this.closing) return;
    this.sweepTimer = setInterval(() => this.sweep(), this.sweepIntervalMs);
    this.sweepTimer.unref();
  }

  /**
   * Closes `conn` on the server's initiative: it stops counting against
   * maxConn and its address's limit at once, before its socket has closed.
   */
  private retire(conn: TcpConnection<Ctx>, graceful: boolean): void {
    this.dying.add(conn);
    this.perAddress.release(conn.remoteAddress);
    if (graceful) void conn.close();
    else conn.destroy();
  }

  private readonly onConnection = (socket: Socket): void => {
    if (this.closing) {
      socket.destroy();
      return;
    }
    const address = socket.remoteAddress;
    if (address === undefined) {
      // Reset by the peer before we got to it: nothing to serve or count.
      socket.destroy();
      return;
    }
    if (!this.allow.allows(address)) {
      socket.destroy();
      this.guards.notAllowed++;
      this.warnPeer(
        'not-allowed',
        `${address}:${socket.remotePort}`,
        'peer address not in allow, connection refused',
        {},
      );
      return;
    }
    if (!this.perAddress.tryAdd(address)) {
      socket.destroy();
      this.guards.perIpRefused++;
      this.warnPeer('per-ip-refused', `${address}:${socket.remotePort}`, 'maxConnPerIp reached, connection refused', {
        maxConnPerIp: this.maxConnPerIp,
      });
      return;
    }
    if (this.live.size - this.dying.size >= this.maxConn && !this.displaceOne()) {
      socket.destroy();
      this.perAddress.release(address);
      this.refused++;
      this.warnPeer('refused', `${address}:${socket.remotePort}`, 'maxConn reached, connection refused', {
        maxConn: this.maxConn,
      });
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

  /** Makes room at maxConn by closing a silent never-valid connection; false when there is none. */
  private displaceOne(): boolean {
    const victim = displacementVictim(this.live);
    if (victim === null) return false;
    this.guards.displaced++;
    this.warnPeer('displaced', victim.peer, 'maxConn reached, closing a silent connection that never sent a frame', {
      maxConn: this.maxConn,
    });
    this.retire(victim, false);
    return true;
  }

  /** A throttled warning about something a peer did (one line per reason per warnIntervalMs). */
  private warnPeer(reason: string, peer: string, msg: string, extra: Record<string, unknown>): void {
    const suppressed = this.throttle.take(reason);
    if (suppressed < 0) return;
    this.logger.warn({ reason, peer, suppressed, ...extra }, msg);
  }

  private connectionClosed(conn: TcpConnection<Ctx>): void {
    this.live.delete(conn);
    if (!this.dying.delete(conn)) this.perAddress.release(conn.remoteAddress);
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
