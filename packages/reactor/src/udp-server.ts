import { createSocket } from 'node:dgram';
import type { RemoteInfo, Socket } from 'node:dgram';
import { encodeBody } from '@lars/proto';
import type { MessageId, MessageMap } from '@lars/proto';
import { ErrorCode, LarsError, checkOption } from './errors.js';
import { HEADER_BYTES, MAX_UDP_BODY_BYTES, datagramError, encodeFrame } from './frame-codec.js';
import { LogThrottle } from './log-throttle.js';
import { silentLogger } from './logger.js';
import type { Logger } from './logger.js';
import type { MessageRouter } from './message-router.js';
import { SendOutcome } from './send-outcome.js';
import { countDatagramError, countDispatch, newUdpStats } from './udp-counters.js';
import type { UdpStats } from './udp-counters.js';

export interface UdpServerOptions {
  /** Bind address; loopback by default (the agent serves its own machine). */
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Largest body sent; never above MAX_UDP_BODY_BYTES. */
  maxBodyBytes?: number;
  /** SO_RCVBUF / SO_SNDBUF, bytes; the OS default when absent. */
  recvBufferSize?: number;
  sendBufferSize?: number;
  logger?: Logger;
  warnIntervalMs?: number;
}

const DEFAULTS = {
  host: '127.0.0.1',
  port: 0,
  maxBodyBytes: MAX_UDP_BODY_BYTES,
  warnIntervalMs: 10_000,
} as const;

/**
 * The `conn` a UdpServer passes to handlers: replies go to the datagram's sender.
 *
 * Invariant: the server reuses ONE target for every datagram (no allocation
 * per datagram), so it is valid only during the synchronous handler call.
 * Using it later throws LarsError(CLOSED); to answer later, copy `address`
 * and `port` and call `server.sendTo`.
 */
export class UdpReplyTarget {
  private readonly server: UdpServer;
  private addr = '';
  private portNo = 0;
  /** True only while a handler runs. */
  private active = false;

  constructor(server: UdpServer) {
    this.server = server;
  }

  /** Sender's address. */
  get address(): string {
    return this.addr;
  }

  /** Sender's port. */
  get port(): number {
    return this.portNo;
  }

  /** "address:port" of the sender, for logs. */
  get peer(): string {
    return `${this.addr}:${this.portNo}`;
  }

  /** @internal Used by UdpServer around each handler call. */
  enter(address: string, port: number): void {
    this.addr = address;
    this.portNo = port;
    this.active = true;
  }

  /** @internal */
  leave(): void {
    this.active = false;
  }

  send<M extends MessageId>(msgid: M, message: MessageMap[M]): SendOutcome {
    this.check();
    return this.server.sendTo(this.addr, this.portNo, msgid, message);
  }

  sendRaw(msgid: number, body: Uint8Array): SendOutcome {
    this.check();
    return this.server.sendRawTo(this.addr, this.portNo, msgid, body);
  }

  private check(): void {
    if (!this.active) {
      throw new LarsError(ErrorCode.CLOSED, 'UdpReplyTarget used after its handler returned; use server.sendTo');
    }
  }
}

/**
 * UDP frame server: one frame per datagram, dispatched through `router`
 * with a reply target for the sender. Malformed datagrams, unknown msgids
 * and undecodable bodies are dropped and counted.
 */
export class UdpServer {
  readonly host: string;
  readonly port: number;
  readonly maxBodyBytes: number;

  private readonly router: MessageRouter<UdpReplyTarget>;
  private readonly socket: Socket;
  private readonly target: UdpReplyTarget;
  private readonly counters: UdpStats = newUdpStats();
  private readonly logger: Logger;
  private readonly throttle: LogThrottle;
  private open = false;
  private closePromise: Promise<void> | null = null;

  constructor(router: MessageRouter<UdpReplyTarget>, options: UdpServerOptions = {}) {
    this.host = options.host ?? DEFAULTS.host;
    this.port = options.port ?? DEFAULTS.port;
    this.maxBodyBytes = options.maxBodyBytes ?? DEFAULTS.maxBodyBytes;
    const warnIntervalMs = options.warnIntervalMs ?? DEFAULTS.warnIntervalMs;
    checkOption(Number.isInteger(this.port) && this.port >= 0 && this.port <= 65535, 'port', 'must be 0..65535');
    checkOption(
      Number.isInteger(this.maxBodyBytes) && this.maxBodyBytes >= 0 && this.maxBodyBytes <= MAX_UDP_BODY_BYTES,
      'maxBodyBytes',
      `must be 0..${MAX_UDP_BODY_BYTES}`,
    );
    checkOption(warnIntervalMs >= 0, 'warnIntervalMs', 'must be >= 0');
    this.router = router;
    this.logger = (options.logger ?? silentLogger()).child({ component: 'udp-server' });
    this.throttle = new LogThrottle(warnIntervalMs);
    this.target = new UdpReplyTarget(this);
    this.socket = createSocket({
      type: 'udp4',
      recvBufferSize: options.recvBufferSize,
      sendBufferSize: options.sendBufferSize,
    });
    this.socket.on('message', this.onMessage);
    this.socket.on('error', this.onError);
  }

  /** Binds; resolves with the bound address (useful with port 0). */
  listen(): Promise<{ address: string; port: number }> {
    return new Promise((resolve, reject) => {
      const onBindError = (err: Error): void => reject(err);
      this.socket.once('error', onBindError);
      this.socket.bind({ address: this.host, port: this.port }, () => {
        this.socket.off('error', onBindError);
        this.open = true;
        const info = this.socket.address();
        this.logger.info({ address: info.address, port: info.port }, 'listening');
        resolve({ address: info.address, port: info.port });
      });
    });
  }

  /** Encodes and sends one frame to `address:port`. */
  sendTo<M extends MessageId>(address: string, port: number, msgid: M, message: MessageMap[M]): SendOutcome {
    if (!this.open) return this.rejected();
    return this.sendRawTo(address, port, msgid, encodeBody(msgid, message));
  }

  /** Sends `body` framed with `msgid`; TOO_LARGE (counted) above maxBodyBytes. */
  sendRawTo(address: string, port: number, msgid: number, body: Uint8Array): SendOutcome {
    if (!this.open) return this.rejected();
    if (body.length > this.maxBodyBytes) {
      this.counters.tooLarge++;
      const fields = { msgid, bytes: body.length, max: this.maxBodyBytes };
      this.warn('too-large', fields, 'reply too large for a datagram, not sent');
      return SendOutcome.TOO_LARGE;
    }
    this.socket.send(encodeFrame(msgid, body), port, address, this.onSent);
    this.counters.framesOut++;
    return SendOutcome.SENT;
  }

  stats(): UdpStats {
    return { ...this.counters };
  }

  close(): Promise<void> {
    if (this.closePromise === null) {
      this.open = false;
      this.closePromise = new Promise((resolve) => {
        try {
          this.socket.close(() => resolve());
        } catch {
          // Already closed (ERR_SOCKET_DGRAM_NOT_RUNNING).
          resolve();
        }
      });
    }
    return this.closePromise;
  }

  private rejected(): SendOutcome {
    this.counters.rejectedSends++;
    return SendOutcome.CLOSED;
  }

  private warn(reason: string, fields: Record<string, unknown>, msg: string): void {
    const suppressed = this.throttle.take(reason);
    if (suppressed >= 0) this.logger.warn({ reason, suppressed, ...fields }, msg);
  }

  private readonly onMessage = (msg: Buffer, rinfo: RemoteInfo): void => {
    const counters = this.counters;
    counters.datagramsIn++;
    const error = datagramError(msg);
    if (error !== null) {
      countDatagramError(counters, error);
      this.warn(error, { peer: `${rinfo.address}:${rinfo.port}`, bytes: msg.length }, 'malformed datagram dropped');
      return;
    }
    counters.framesIn++;
    const target = this.target;
    target.enter(rinfo.address, rinfo.port);
    // dispatch never throws (the router contains handler errors), so leave() always runs.
    countDispatch(counters, this.router.dispatch(msg.readInt32LE(0), msg.subarray(HEADER_BYTES), target));
    target.leave();
  };

  private readonly onSent = (err: Error | null): void => {
    if (err === null) return;
    this.counters.sendErrors++;
    this.warn('send-error', { err: err.message }, 'send failed');
  };

  private readonly onError = (err: Error): void => {
    this.counters.sendErrors++;
    this.warn('socket-error', { err: err.message }, 'socket error');
  };
}
