import { createSocket } from 'node:dgram';
import type { RemoteInfo, Socket } from 'node:dgram';
import { encodeFrame } from './frame-codec.js';
import { u32ToIpv4 } from './ipv4.js';

/**
 * A datagram peer's IPv4 as a transport holds it: dotted (node:dgram) or a
 * host-order u32 (the native transport's metadata, 0x7f000001 = 127.0.0.1).
 * Both are accepted back by the transport that produced them.
 */
export type UdpPeerAddress = string | number;

/** Transport kinds: what the agent's `[agent] transport` names and `/stats` reports. */
export const UdpTransportKind = { DGRAM: 'dgram', NATIVE: 'native' } as const;
export type UdpTransportKind = (typeof UdpTransportKind)[keyof typeof UdpTransportKind];

/** Where a transport hands what it receives: the UdpEndpoint that owns it. */
export interface UdpTransportSink {
  /** One datagram: a view valid only during the call. */
  datagram(data: Buffer, address: UdpPeerAddress, port: number): void;
  /** A failed send, or an error of the socket; the endpoint counts it (sendErrors). */
  error(err: NodeJS.ErrnoException): void;
}

/**
 * The socket under a UdpEndpoint: node:dgram (DgramTransport) or batched
 * system calls (@lars/udp-native's NativeUdpTransport). Frames and counters
 * stay in the endpoint, so every transport drops and counts bad datagrams
 * the same way; a transport only moves bytes. Invariants: every datagram
 * received is handed to the sink once, in arrival order; a frame given to
 * sendFrame is sent, or reported to the sink's error as dropped.
 */
export interface UdpTransport {
  readonly kind: UdpTransportKind;
  /** Called once, by the endpoint, before bind or connect. */
  attach(sink: UdpTransportSink): void;
  /** Binds and starts receiving; resolves with the bound address. */
  bind(host: string, port: number): Promise<{ address: string; port: number }>;
  /** Binds an ephemeral port and connects to one peer (then sendFrame takes no address). */
  connect(host: string, port: number): Promise<void>;
  /** The bound local port. */
  localPort(): number;
  /**
   * Sends one frame, header and body (the caller checked its size); to
   * `address`:`port`, or to the connected peer when `address` is undefined.
   * `body` is copied before it returns, so the caller may reuse its buffer.
   */
  sendFrame(msgid: number, body: Uint8Array, address: UdpPeerAddress | undefined, port: number): void;
  /** Stops receiving and closes the socket; idempotent. */
  close(): Promise<void>;
}

export interface DgramTransportOptions {
  /** SO_RCVBUF / SO_SNDBUF, bytes; the OS default when absent. */
  recvBufferSize?: number;
  sendBufferSize?: number;
}

/** UdpTransport over a node:dgram socket: one system call per datagram each way. */
export class DgramTransport implements UdpTransport {
  readonly kind = UdpTransportKind.DGRAM;
  private readonly socket: Socket;
  private sink: UdpTransportSink | undefined;
  private closing: Promise<void> | undefined;

  constructor(options: DgramTransportOptions = {}) {
    this.socket = createSocket({
      type: 'udp4',
      recvBufferSize: options.recvBufferSize,
      sendBufferSize: options.sendBufferSize,
    });
  }

  attach(sink: UdpTransportSink): void {
    this.sink = sink;
    this.socket.on('message', (msg: Buffer, rinfo: RemoteInfo) => sink.datagram(msg, rinfo.address, rinfo.port));
    this.socket.on('error', (err) => sink.error(err));
  }

  async bind(host: string, port: number): Promise<{ address: string; port: number }> {
    await this.open((done) => this.socket.bind({ address: host, port }, done));
    const { address, port: bound } = this.socket.address();
    return { address, port: bound };
  }

  connect(host: string, port: number): Promise<void> {
    return this.open((done) => this.socket.connect(port, host, done));
  }

  localPort(): number {
    return this.socket.address().port;
  }

  sendFrame(msgid: number, body: Uint8Array, address: UdpPeerAddress | undefined, port: number): void {
    // A connected socket must be sent to without an address (the kernel fixes the peer).
    if (address === undefined) this.socket.send(encodeFrame(msgid, body), this.onSent);
    else {
      const to = typeof address === 'string' ? address : u32ToIpv4(address);
      this.socket.send(encodeFrame(msgid, body), port, to, this.onSent);
    }
  }

  close(): Promise<void> {
    this.closing ??= new Promise((resolve) => {
      try {
        this.socket.close(() => resolve());
      } catch (err) {
        // Never bound, or already closed: nothing left to close. Anything else is a real failure.
        if ((err as NodeJS.ErrnoException).code !== 'ERR_SOCKET_DGRAM_NOT_RUNNING') throw err;
        resolve();
      }
    });
    return this.closing;
  }

  /** Runs bind or connect; an error before it finishes rejects (the sink is told of it as of any socket error). */
  private open(start: (done: () => void) => void): Promise<void> {
    return new Promise((resolve, reject) => {
      const onOpenError = (err: Error): void => reject(err);
      this.socket.prependOnceListener('error', onOpenError);
      start(() => {
        this.socket.off('error', onOpenError);
        resolve();
      });
    });
  }

  private readonly onSent = (err: Error | null): void => {
    if (err !== null) this.sink?.error(err);
  };
}
