import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { encodeBody } from '@lars/proto';
import type { MessageId, MessageMap } from '@lars/proto';
import { checkOption } from './errors.js';
import { HEADER_BYTES, MAX_UDP_BODY_BYTES, datagramError, encodeFrame } from './frame-codec.js';
import { LogThrottle } from './log-throttle.js';
import { silentLogger } from './logger.js';
import type { Logger } from './logger.js';
import { DispatchOutcome } from './message-router.js';
import type { MessageRouter } from './message-router.js';
import { SendOutcome } from './send-outcome.js';
import { countDatagramError, countDispatch, newUdpStats } from './udp-counters.js';
import type { UdpStats } from './udp-counters.js';

export interface UdpClientOptions {
  host?: string;
  port?: number;
  /** Replies are decoded and dispatched here, with this client as `conn` ... */
  router?: MessageRouter<UdpClient>;
  /** ... or handed raw to this callback (body is a view into the datagram). Not both. */
  onFrame?: (msgid: number, body: Buffer) => void;
  /** Largest body sent; never above MAX_UDP_BODY_BYTES. */
  maxBodyBytes?: number;
  recvBufferSize?: number;
  sendBufferSize?: number;
  logger?: Logger;
  warnIntervalMs?: number;
}

const DEFAULTS = {
  host: '127.0.0.1',
  maxBodyBytes: MAX_UDP_BODY_BYTES,
  warnIntervalMs: 10_000,
} as const;

/**
 * UDP frame client on a CONNECTED dgram socket (the SDK -> agent link): the
 * kernel fixes the peer, so sends carry no address and only the peer's
 * datagrams are received. An ICMP "port unreachable" surfaces as an error
 * that is counted (sendErrors), never thrown.
 */
export class UdpClient {
  readonly host: string;
  readonly port: number;
  readonly maxBodyBytes: number;

  private readonly router: MessageRouter<UdpClient> | undefined;
  private readonly onFrame: ((msgid: number, body: Buffer) => void) | undefined;
  private readonly socket: Socket;
  private readonly counters: UdpStats = newUdpStats();
  private readonly logger: Logger;
  private readonly throttle: LogThrottle;
  private open = false;
  private closePromise: Promise<void> | null = null;

  constructor(options: UdpClientOptions = {}) {
    this.host = options.host ?? DEFAULTS.host;
    this.port = options.port ?? -1;
    this.maxBodyBytes = options.maxBodyBytes ?? DEFAULTS.maxBodyBytes;
    const warnIntervalMs = options.warnIntervalMs ?? DEFAULTS.warnIntervalMs;
    checkOption(Number.isInteger(this.port) && this.port > 0 && this.port <= 65535, 'port', 'must be 1..65535');
    checkOption(
      Number.isInteger(this.maxBodyBytes) && this.maxBodyBytes >= 0 && this.maxBodyBytes <= MAX_UDP_BODY_BYTES,
      'maxBodyBytes',
      `must be 0..${MAX_UDP_BODY_BYTES}`,
    );
    const oneSink = options.router === undefined || options.onFrame === undefined;
    checkOption(oneSink, 'onFrame', 'give a router or onFrame, not both');
    checkOption(warnIntervalMs >= 0, 'warnIntervalMs', 'must be >= 0');
    this.router = options.router;
    this.onFrame = options.onFrame;
    this.logger = (options.logger ?? silentLogger()).child({ component: 'udp-client' });
    this.throttle = new LogThrottle(warnIntervalMs);
    this.socket = createSocket({
      type: 'udp4',
      recvBufferSize: options.recvBufferSize,
      sendBufferSize: options.sendBufferSize,
    });
    this.socket.on('message', this.onMessage);
    this.socket.on('error', this.onError);
  }

  /** Binds an ephemeral local port and connects the socket to host:port. */
  connect(): Promise<void> {
    return new Promise((resolve, reject) => {
      const onConnectError = (err: Error): void => reject(err);
      this.socket.once('error', onConnectError);
      this.socket.connect(this.port, this.host, () => {
        this.socket.off('error', onConnectError);
        this.open = true;
        resolve();
      });
    });
  }

  /** "host:port" of the server, for logs (the router reads it as `conn.peer`). */
  get peer(): string {
    return `${this.host}:${this.port}`;
  }

  /** The local port (after connect()). */
  get localPort(): number {
    return this.socket.address().port;
  }

  send<M extends MessageId>(msgid: M, message: MessageMap[M]): SendOutcome {
    if (!this.open) return this.rejected();
    return this.sendRaw(msgid, encodeBody(msgid, message));
  }

  /** CLOSED before connect() or after close(); TOO_LARGE above maxBodyBytes; both counted. */
  sendRaw(msgid: number, body: Uint8Array): SendOutcome {
    if (!this.open) return this.rejected();
    if (body.length > this.maxBodyBytes) {
      this.counters.tooLarge++;
      return SendOutcome.TOO_LARGE;
    }
    this.socket.send(encodeFrame(msgid, body), this.onSent);
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
    if (suppressed >= 0) this.logger.warn({ reason, peer: this.peer, suppressed, ...fields }, msg);
  }

  private readonly onMessage = (msg: Buffer): void => {
    const counters = this.counters;
    counters.datagramsIn++;
    const error = datagramError(msg);
    if (error !== null) {
      countDatagramError(counters, error);
      this.warn(error, { bytes: msg.length }, 'malformed datagram dropped');
      return;
    }
    counters.framesIn++;
    const msgid = msg.readInt32LE(0);
    const body = msg.subarray(HEADER_BYTES);
    if (this.router !== undefined) {
      countDispatch(counters, this.router.dispatch(msgid, body, this));
    } else if (this.onFrame !== undefined) {
      try {
        this.onFrame(msgid, body);
      } catch (err) {
        countDispatch(counters, DispatchOutcome.HANDLER_ERROR);
        this.warn('handler-error', { err }, 'onFrame failed');
      }
    } else {
      countDispatch(counters, DispatchOutcome.UNKNOWN_MSGID);
    }
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
