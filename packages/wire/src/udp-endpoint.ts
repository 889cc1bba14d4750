import { encodeBody } from '@lars/proto';
import type { MessageId, MessageMap } from '@lars/proto';
import { checkOption } from './errors.js';
import { DatagramError, HEADER_BYTES, MAX_UDP_BODY_BYTES, datagramError } from './frame-codec.js';
import { u32ToIpv4 } from './ipv4.js';
import { LogThrottle } from './log-throttle.js';
import { silentWireLogger } from './wire-logger.js';
import type { WireLogger } from './wire-logger.js';
import { DispatchOutcome } from './message-router.js';
import { SendOutcome } from './send-outcome.js';
import { DgramTransport } from './udp-transport.js';
import type { UdpPeerAddress, UdpTransport, UdpTransportKind } from './udp-transport.js';

/** Counters of a UdpServer or UdpClient (plain numbers). */
export interface UdpStats {
  datagramsIn: number;
  /** Well-formed frames (dispatched, or dropped for an unknown msgid or bad body). */
  framesIn: number;
  framesOut: number;
  /** Datagrams shorter than a header, or with msglen < 0 or > 65527: dropped. */
  badFrames: number;
  /** Datagrams whose length != 8 + msglen: dropped. */
  lengthMismatch: number;
  unknownMsgid: number;
  badBody: number;
  handlerErrors: number;
  /** Sends refused because the body exceeded the UDP limit (MAX_UDP_BODY_BYTES or the configured one). */
  tooLarge: number;
  /** Sends attempted while not open. */
  rejectedSends: number;
  /** Errors from send callbacks and the socket (e.g. ECONNREFUSED on a connected socket). */
  sendErrors: number;
}

/** Options shared by UdpServerOptions and UdpClientOptions. */
export interface UdpEndpointOptions {
  /** Largest body sent; never above MAX_UDP_BODY_BYTES. */
  maxBodyBytes?: number;
  /** SO_RCVBUF / SO_SNDBUF of the default (dgram) transport, bytes; the OS default when absent. */
  recvBufferSize?: number;
  sendBufferSize?: number;
  logger?: WireLogger;
  warnIntervalMs?: number;
  /**
   * Called with every socket error, after it is counted in sendErrors: a send
   * whose callback failed, and the socket's 'error' event. On a connected
   * socket an ICMP "port unreachable" from the peer arrives here as
   * `err.code === 'ECONNREFUSED'` (on the send that found it pending, or on
   * the next read). Runs on the socket's event path, once per error, not per
   * datagram; an exception it throws is counted as a handler error and logged.
   */
  onError?: (err: NodeJS.ErrnoException) => void;
}

const DEFAULTS = {
  maxBodyBytes: MAX_UDP_BODY_BYTES,
  warnIntervalMs: 10_000,
} as const;

/** What a subclass fixes (its own options already merged and checked). */
export interface UdpEndpointSetup {
  component: string;
  host: string;
  port: number;
  /** Set on every warning; a connected client names its one peer here. */
  peer?: string;
  /** The socket underneath; a DgramTransport over the options' buffer sizes when absent. */
  transport?: UdpTransport;
}

/**
 * The counters, send path and close shared by UdpServer and UdpClient, over
 * a UdpTransport: one frame per datagram. Malformed datagrams are counted and
 * dropped here, whatever the transport; well-formed frames go to the
 * subclass's `deliver`.
 */
export abstract class UdpEndpoint {
  readonly host: string;
  readonly port: number;
  readonly maxBodyBytes: number;

  protected readonly transport: UdpTransport;
  protected readonly logger: WireLogger;
  private readonly counters: UdpStats = newUdpStats();
  private readonly throttle: LogThrottle;
  private readonly logPeer: string | undefined;
  private readonly errorSink: ((err: NodeJS.ErrnoException) => void) | undefined;
  private open = false;
  private closePromise: Promise<void> | null = null;

  protected constructor(options: UdpEndpointOptions, setup: UdpEndpointSetup) {
    this.host = setup.host;
    this.port = setup.port;
    this.maxBodyBytes = options.maxBodyBytes ?? DEFAULTS.maxBodyBytes;
    const warnIntervalMs = options.warnIntervalMs ?? DEFAULTS.warnIntervalMs;
    checkOption(
      Number.isInteger(this.maxBodyBytes) && this.maxBodyBytes >= 0 && this.maxBodyBytes <= MAX_UDP_BODY_BYTES,
      'maxBodyBytes',
      `must be 0..${MAX_UDP_BODY_BYTES}`,
    );
    checkOption(warnIntervalMs >= 0, 'warnIntervalMs', 'must be >= 0');
    this.logPeer = setup.peer;
    this.errorSink = options.onError;
    this.logger = (options.logger ?? silentWireLogger()).child({ component: setup.component });
    this.throttle = new LogThrottle(warnIntervalMs);
    this.transport =
      setup.transport ??
      new DgramTransport({ recvBufferSize: options.recvBufferSize, sendBufferSize: options.sendBufferSize });
    this.transport.attach({ datagram: this.onMessage, error: this.onError });
  }

  /** Which transport moves the datagrams. */
  get transportKind(): UdpTransportKind {
    return this.transport.kind;
  }

  stats(): UdpStats {
    return { ...this.counters };
  }

  close(): Promise<void> {
    if (this.closePromise === null) {
      this.open = false;
      this.closePromise = this.transport.close();
    }
    return this.closePromise;
  }

  /** Handles one well-formed frame (`body` is a view into the datagram). */
  protected abstract deliver(msgid: number, body: Buffer, address: UdpPeerAddress, port: number): DispatchOutcome;

  /** Awaits the transport's bind or connect; sends are accepted from then on. */
  protected async openWith<T>(opening: Promise<T>): Promise<T> {
    const result = await opening;
    this.open = true;
    return result;
  }

  /** Encodes and sends one frame; to `address:port`, or to the connected peer when `address` is absent. */
  protected sendMessage<M extends MessageId>(
    msgid: M,
    message: MessageMap[M],
    address?: UdpPeerAddress,
    port = 0,
  ): SendOutcome {
    if (!this.open) return this.rejected();
    return this.sendFrame(msgid, encodeBody(msgid, message), address, port);
  }

  /** CLOSED before open or after close(); TOO_LARGE above maxBodyBytes; both counted. */
  protected sendFrame(msgid: number, body: Uint8Array, address?: UdpPeerAddress, port = 0): SendOutcome {
    if (!this.open) return this.rejected();
    if (body.length > this.maxBodyBytes) {
      this.counters.tooLarge++;
      const fields = { msgid, bytes: body.length, max: this.maxBodyBytes };
      this.warn('too-large', fields, 'frame too large for a datagram, not sent');
      return SendOutcome.TOO_LARGE;
    }
    this.transport.sendFrame(msgid, body, address, port);
    this.counters.framesOut++;
    return SendOutcome.SENT;
  }

  protected warn(reason: string, fields: Record<string, unknown>, msg: string): void {
    const suppressed = this.throttle.take(reason);
    if (suppressed >= 0) this.logger.warn({ reason, peer: this.logPeer, suppressed, ...fields }, msg);
  }

  private rejected(): SendOutcome {
    this.counters.rejectedSends++;
    return SendOutcome.CLOSED;
  }

  private readonly onMessage = (msg: Buffer, address: UdpPeerAddress, port: number): void => {
    const counters = this.counters;
    counters.datagramsIn++;
    const error = datagramError(msg);
    if (error !== null) {
      if (error === DatagramError.LENGTH_MISMATCH) counters.lengthMismatch++;
      else counters.badFrames++;
      const peer = this.logPeer ?? `${typeof address === 'string' ? address : u32ToIpv4(address)}:${port}`;
      this.warn(error, { peer, bytes: msg.length }, 'malformed datagram dropped');
      return;
    }
    counters.framesIn++;
    const outcome = this.deliver(msg.readInt32LE(0), msg.subarray(HEADER_BYTES), address, port);
    if (outcome === DispatchOutcome.HANDLED) return;
    if (outcome === DispatchOutcome.UNKNOWN_MSGID) counters.unknownMsgid++;
    else if (outcome === DispatchOutcome.BAD_BODY) counters.badBody++;
    else counters.handlerErrors++;
  };

  private readonly onError = (err: NodeJS.ErrnoException): void => {
    this.counters.sendErrors++;
    this.warn('socket-error', { err: err.message }, 'socket error');
    this.surface(err);
  };

  private surface(err: NodeJS.ErrnoException): void {
    if (this.errorSink === undefined) return;
    try {
      this.errorSink(err);
    } catch (handlerErr) {
      this.counters.handlerErrors++;
      this.warn('handler-error', { err: handlerErr }, 'onError failed');
    }
  }
}

function newUdpStats(): UdpStats {
  return {
    datagramsIn: 0,
    framesIn: 0,
    framesOut: 0,
    badFrames: 0,
    lengthMismatch: 0,
    unknownMsgid: 0,
    badBody: 0,
    handlerErrors: 0,
    tooLarge: 0,
    rejectedSends: 0,
    sendErrors: 0,
  };
}
