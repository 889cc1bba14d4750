import { createConnection } from 'node:net';
import type { Socket } from 'node:net';
import { encodeBody } from '@lars/proto';
import type { MessageId, MessageMap } from '@lars/proto';
import { Backoff } from './backoff.js';
import type { BackoffOptions } from './backoff.js';
import { ErrorCode, LarsError, checkOption } from '@lars/wire';
import { MAX_BODY_BYTES, MAX_FRAME_BYTES } from '@lars/wire';
import { LogThrottle } from '@lars/wire';
import { TcpClientQueue, WhileDisconnected } from './tcp-client-queue.js';
import { silentLogger } from './logger.js';
import type { Logger } from './logger.js';
import type { MessageRouter } from '@lars/wire';
import { SendOutcome } from '@lars/wire';
import { TCP_CONNECTION_DEFAULTS, TcpConnection, newTcpCounters } from './tcp-connection.js';
import type { TcpConnectionOptions, TcpConnectionOwner, TcpCounters } from './tcp-connection.js';

export interface TcpAddress {
  readonly host: string;
  readonly port: number;
}

export { WhileDisconnected } from './tcp-client-queue.js';

export interface TcpClientOptions<Ctx = unknown> extends TcpConnectionOptions {
  host?: string;
  port?: number;
  /** Several targets, tried in turn: a failed connect attempt moves to the next. Overrides host/port. */
  addresses?: readonly TcpAddress[];
  /** Reconnect delays; a Backoff instance may be passed to observe or script them. */
  backoff?: BackoffOptions | Backoff;
  whileDisconnected?: WhileDisconnected;
  /** Bound on frames queued while disconnected (header included); past it sends are rejected or the oldest dropped. <= maxOutputBytes. */
  maxQueuedBytes?: number;
  /** A connect attempt that has not completed by then counts as failed. */
  connectTimeoutMs?: number;
  /** A connection that lived this long resets the backoff when it drops; shorter ones keep it growing. */
  stableAfterMs?: number;
  /** Runs on every (re)connect, after the queue was flushed, before any frame is dispatched. */
  onConnect?: (conn: TcpConnection<Ctx>) => void;
  /** Runs when an established connection closes, after its last dispatch. */
  onClose?: (conn: TcpConnection<Ctx>) => void;
  /** Runs when a connection's output, after a write had to buffer, has all been handed to the kernel (socket 'drain'). */
  onDrain?: (conn: TcpConnection<Ctx>) => void;
  /**
   * TCP keepalive idle time before the first probe (ms, the kernel takes whole seconds); 0 = off.
   * Probe interval and count are the kernel's (Linux tcp_keepalive_intvl/probes, 75 s x 9), so a
   * vanished peer is found after keepAliveMs + ~11 min; live but frozen peers need the app's deadlines.
   */
  keepAliveMs?: number;
}

export interface TcpClientStats extends TcpCounters {
  connected: boolean;
  connects: number;
  connectFailures: number;
  disconnects: number;
  queuedFrames: number;
  queuedBytes: number;
  /** Sends not sent and not queued (rejected, too large, or after close()). */
  rejectedSends: number;
  /** Frames still queued when close() was called. */
  droppedOnClose: number;
  /** Queued frames dropped to make room for newer ones ('drop-oldest'). */
  droppedOldest: number;
  /** The last reconnect delay scheduled, ms. */
  lastDelayMs: number;
}

const DEFAULTS = {
  ...TCP_CONNECTION_DEFAULTS,
  host: '127.0.0.1',
  whileDisconnected: WhileDisconnected.QUEUE,
  maxQueuedBytes: 1024 * 1024,
  connectTimeoutMs: 5_000,
  stableAfterMs: 5_000,
  keepAliveMs: 15_000,
} as const;

const State = { IDLE: 0, CONNECTING: 1, CONNECTED: 2, WAITING: 3, CLOSED: 4 } as const;
type State = (typeof State)[keyof typeof State];

/**
 * Long-lived framed TCP client (agent -> dns, agent -> reporter). After ANY
 * failure (refused, timeout, reset, closed by the server) it reconnects with
 * exponential backoff and jitter until close(). Sends while disconnected are
 * queued up to a bound or rejected, and every one not sent is counted.
 * Every connection has TCP keepalive on (keepAliveMs), so a peer that
 * vanished without a FIN or RST is found on a silent link too.
 */
export class TcpClient<Ctx = unknown> {
  readonly whileDisconnected: WhileDisconnected;
  readonly maxQueuedBytes: number;
  readonly connectTimeoutMs: number;
  readonly stableAfterMs: number;
  readonly noDelay: boolean;
  readonly keepAliveMs: number;

  private addresses: readonly TcpAddress[];
  private addressIndex = 0;
  /** Target of the current connection or attempt. */
  private current: TcpAddress;
  private readonly backoff: Backoff;
  private readonly owner: TcpConnectionOwner<Ctx>;
  private readonly counters: TcpCounters = newTcpCounters();
  private readonly logger: Logger;
  private readonly throttle: LogThrottle;
  private readonly onConnectHook: ((conn: TcpConnection<Ctx>) => void) | undefined;
  private readonly onCloseHook: ((conn: TcpConnection<Ctx>) => void) | undefined;
  private readonly onDrainHook: ((conn: TcpConnection<Ctx>) => void) | undefined;

  private state: State = State.IDLE;
  private pending: Socket | null = null;
  private conn: TcpConnection<Ctx> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private connectedAt = 0;
  private nextId = 1;
  /** Frames waiting for a connection (whileDisconnected, maxQueuedBytes). */
  private readonly queue: TcpClientQueue;
  private waiters: { resolve: (conn: TcpConnection<Ctx>) => void; reject: (err: Error) => void }[] = [];
  private readonly extra = {
    connects: 0,
    connectFailures: 0,
    disconnects: 0,
    rejectedSends: 0,
    droppedOnClose: 0,
    lastDelayMs: 0,
  };

  constructor(router: MessageRouter<TcpConnection<Ctx>>, options: TcpClientOptions<Ctx> = {}) {
    const addresses = options.addresses ?? [{ host: options.host ?? DEFAULTS.host, port: options.port ?? -1 }];
    TcpClient.checkAddresses(addresses);
    this.addresses = addresses;
    this.current = addresses[0];
    this.backoff = options.backoff instanceof Backoff ? options.backoff : new Backoff(options.backoff);
    this.whileDisconnected = options.whileDisconnected ?? DEFAULTS.whileDisconnected;
    this.maxQueuedBytes = options.maxQueuedBytes ?? DEFAULTS.maxQueuedBytes;
    const maxOutputBytes = options.maxOutputBytes ?? DEFAULTS.maxOutputBytes;
    this.connectTimeoutMs = options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs;
    this.stableAfterMs = options.stableAfterMs ?? DEFAULTS.stableAfterMs;
    this.noDelay = options.noDelay ?? DEFAULTS.noDelay;
    this.keepAliveMs = options.keepAliveMs ?? DEFAULTS.keepAliveMs;
    const closeGraceMs = options.closeGraceMs ?? DEFAULTS.closeGraceMs;
    const warnIntervalMs = options.warnIntervalMs ?? DEFAULTS.warnIntervalMs;
    checkOption(
      Object.values(WhileDisconnected).includes(this.whileDisconnected),
      'whileDisconnected',
      "must be 'queue', 'reject' or 'drop-oldest'",
    );
    checkOption(maxOutputBytes >= MAX_FRAME_BYTES, 'maxOutputBytes', `must be >= ${MAX_FRAME_BYTES}`);
    // A flush on reconnect must fit the output bound, or queued frames could be lost.
    checkOption(
      this.maxQueuedBytes >= 0 && this.maxQueuedBytes <= maxOutputBytes,
      'maxQueuedBytes',
      'must be 0..maxOutputBytes',
    );
    checkOption(this.connectTimeoutMs > 0, 'connectTimeoutMs', 'must be > 0');
    checkOption(this.stableAfterMs >= 0, 'stableAfterMs', 'must be >= 0');
    checkOption(Number.isInteger(this.keepAliveMs) && this.keepAliveMs >= 0, 'keepAliveMs', 'must be an integer >= 0');
    checkOption(closeGraceMs >= 0, 'closeGraceMs', 'must be >= 0');
    checkOption(warnIntervalMs >= 0, 'warnIntervalMs', 'must be >= 0');
    this.logger = (options.logger ?? silentLogger()).child({ component: 'tcp-client' });
    this.throttle = new LogThrottle(warnIntervalMs);
    this.queue = new TcpClientQueue(this.whileDisconnected, this.maxQueuedBytes, this.logger, this.throttle);
    this.onConnectHook = options.onConnect;
    this.onCloseHook = options.onClose;
    this.onDrainHook = options.onDrain;
    this.owner = {
      router,
      counters: this.counters,
      logger: this.logger,
      throttle: this.throttle,
      maxOutputBytes,
      closeGraceMs,
      connectionClosed: (conn) => this.connectionClosed(conn),
    };
  }

  /** Starts connecting (idempotent); reconnects on its own from then on. */
  connect(): void {
    if (this.state !== State.IDLE) return;
    this.attempt();
  }

  /** The live connection, or null. */
  get connection(): TcpConnection<Ctx> | null {
    return this.conn !== null && !this.conn.closed ? this.conn : null;
  }

  /** The address the client is connected or connecting to, else the one it will try next. */
  get address(): TcpAddress {
    if (this.state === State.CONNECTING || this.state === State.CONNECTED) return this.current;
    return this.addresses[this.addressIndex];
  }

  /** Resolves at the current or next connection; rejects with LarsError(CLOSED) on close(). */
  whenConnected(): Promise<TcpConnection<Ctx>> {
    const live = this.connection;
    if (live !== null) return Promise.resolve(live);
    if (this.state === State.CLOSED) return Promise.reject(new LarsError(ErrorCode.CLOSED, 'client closed'));
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** Replaces the targets (DNS failover); used from the next connect attempt on (a live connection is kept). */
  setAddresses(addresses: readonly TcpAddress[]): void {
    TcpClient.checkAddresses(addresses);
    this.addresses = addresses;
    this.addressIndex = 0;
  }

  /**
   * Drops the live connection as dead (its peer stopped answering, though the
   * socket is up) and reconnects as after any loss, starting with the NEXT
   * address: a frozen peer's kernel still accepts connections, so trying it
   * again first would only find it frozen again. No-op while not connected.
   */
  failover(): void {
    const conn = this.connection;
    if (this.state !== State.CONNECTED || conn === null) return;
    // addresses.indexOf: -1 (the list was replaced meanwhile) moves to its first address.
    this.addressIndex = (this.addresses.indexOf(this.current) + 1) % this.addresses.length;
    conn.destroy();
  }

  /** Encodes and sends `message`; see sendRaw for the outcomes. */
  send<M extends MessageId>(msgid: M, message: MessageMap[M]): SendOutcome {
    return this.sendRaw(msgid, encodeBody(msgid, message));
  }

  /**
   * SENT when written to the live connection; QUEUED while disconnected with
   * whileDisconnected 'queue' and room left; otherwise REJECTED, TOO_LARGE or
   * CLOSED, each counted in rejectedSends.
   */
  sendRaw(msgid: number, body: Uint8Array): SendOutcome {
    if (this.state === State.CLOSED) return this.reject(SendOutcome.CLOSED);
    if (body.length > MAX_BODY_BYTES) return this.reject(SendOutcome.TOO_LARGE);
    const conn = this.conn;
    // OVERFLOW closed a connection whose peer stopped reading: fall through and queue.
    if (conn !== null && conn.sendRaw(msgid, body) === SendOutcome.SENT) return SendOutcome.SENT;
    const outcome = this.queue.push(msgid, body);
    return outcome === SendOutcome.QUEUED ? outcome : this.reject(outcome);
  }

  stats(): TcpClientStats {
    return {
      ...this.counters,
      ...this.extra,
      droppedOldest: this.queue.droppedOldest,
      connected: this.connection !== null,
      queuedFrames: this.queue.length,
      queuedBytes: this.queue.bytes,
    };
  }

  /** Stops reconnecting, closes the connection gracefully; queued frames are dropped and counted. */
  async close(): Promise<void> {
    if (this.state === State.CLOSED) return;
    this.state = State.CLOSED;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.pending?.destroy();
    if (this.queue.length > 0) {
      this.logger.warn({ frames: this.queue.length, bytes: this.queue.bytes }, 'closing with unsent queued frames');
      this.extra.droppedOnClose += this.queue.clear();
    }
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.reject(new LarsError(ErrorCode.CLOSED, 'client closed'));
    if (this.conn !== null) await this.conn.close();
  }

  private static checkAddresses(addresses: readonly TcpAddress[]): void {
    checkOption(addresses.length > 0, 'addresses', 'needs at least one address');
    for (const a of addresses) {
      checkOption(typeof a.host === 'string' && a.host.length > 0, 'host', 'must be a non-empty string');
      checkOption(Number.isInteger(a.port) && a.port > 0 && a.port <= 65535, 'port', 'must be 1..65535');
    }
  }

  private reject(outcome: SendOutcome): SendOutcome {
    this.extra.rejectedSends++;
    return outcome;
  }

  private attempt(): void {
    this.timer = null;
    this.current = this.addresses[this.addressIndex];
    const { host, port } = this.current;
    this.state = State.CONNECTING;
    const socket = createConnection({ host, port, noDelay: this.noDelay });
    this.pending = socket;
    socket.setTimeout(this.connectTimeoutMs);
    socket.once('connect', this.onSocketConnect);
    socket.once('timeout', this.onConnectTimeout);
    socket.on('error', this.onConnectError);
    socket.once('close', this.onConnectFailed);
  }

  private readonly onConnectTimeout = (): void => {
    this.pending?.destroy(new LarsError(ErrorCode.TIMEOUT, `connect timed out after ${this.connectTimeoutMs} ms`));
  };

  private readonly onConnectError = (err: Error): void => {
    const suppressed = this.throttle.take('connect-failed');
    if (suppressed >= 0) this.logger.warn({ target: this.address, err: err.message, suppressed }, 'connect failed');
  };

  private readonly onConnectFailed = (): void => {
    this.pending = null;
    this.extra.connectFailures++;
    this.addressIndex = (this.addressIndex + 1) % this.addresses.length;
    this.scheduleRetry();
  };

  private readonly onSocketConnect = (): void => {
    const socket = this.pending as Socket;
    this.pending = null;
    socket.off('timeout', this.onConnectTimeout);
    socket.off('error', this.onConnectError);
    socket.off('close', this.onConnectFailed);
    socket.setTimeout(0);
    if (this.keepAliveMs > 0) socket.setKeepAlive(true, this.keepAliveMs);
    const conn = new TcpConnection<Ctx>(socket, this.nextId++, this.owner);
    const onDrain = this.onDrainHook;
    if (onDrain !== undefined) socket.on('drain', () => onDrain(conn));
    this.conn = conn;
    this.state = State.CONNECTED;
    this.connectedAt = Date.now();
    this.extra.connects++;
    this.logger.info({ target: this.address, attempts: this.backoff.attempts }, 'connected');
    // Cannot overflow on a fresh socket (maxQueuedBytes <= maxOutputBytes); counted if it ever does.
    this.extra.rejectedSends += this.queue.flushInto(conn);
    if (this.onConnectHook !== undefined) {
      try {
        this.onConnectHook(conn);
      } catch (err) {
        this.logger.error({ err }, 'onConnect failed');
      }
    }
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.resolve(conn);
    conn.begin();
  };

  private connectionClosed(conn: TcpConnection<Ctx>): void {
    if (conn !== this.conn) return;
    this.conn = null;
    this.extra.disconnects++;
    if (this.onCloseHook !== undefined) {
      try {
        this.onCloseHook(conn);
      } catch (err) {
        this.logger.error({ err }, 'onClose failed');
      }
    }
    if (this.state === State.CLOSED) return;
    this.logger.warn({ target: this.address }, 'connection lost, reconnecting');
    // A server that accepts then drops at once must not get a reconnect storm: only a stable connection resets.
    if (Date.now() - this.connectedAt >= this.stableAfterMs) this.backoff.reset();
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.state === State.CLOSED) return;
    const delay = this.backoff.next();
    this.extra.lastDelayMs = delay;
    this.state = State.WAITING;
    this.timer = setTimeout(this.onRetryTimer, delay);
    // Reconnecting alone does not keep a process alive; the daemon's servers do.
    this.timer.unref();
  }

  private readonly onRetryTimer = (): void => {
    if (this.state === State.WAITING) this.attempt();
  };
}
