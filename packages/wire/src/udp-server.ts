import type { MessageId, MessageMap } from '@lars/proto';
import { ErrorCode, LarsError, checkOption } from './errors.js';
import { u32ToIpv4 } from './ipv4.js';
import type { DispatchOutcome, MessageRouter } from './message-router.js';
import type { SendOutcome } from './send-outcome.js';
import { UdpEndpoint } from './udp-endpoint.js';
import type { UdpEndpointOptions } from './udp-endpoint.js';
import type { UdpPeerAddress, UdpTransport } from './udp-transport.js';

export interface UdpServerOptions extends UdpEndpointOptions {
  /** Bind address; loopback by default (the agent serves its own machine). */
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /**
   * The socket underneath: node:dgram by default (DgramTransport over
   * recvBufferSize / sendBufferSize), or @lars/udp-native's batched one. The
   * server owns it from here on and closes it.
   */
  transport?: UdpTransport;
}

const DEFAULTS = {
  host: '127.0.0.1',
  port: 0,
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
  private addr: UdpPeerAddress = '';
  private portNo = 0;
  /** True only while a handler runs. */
  private active = false;

  constructor(server: UdpServer) {
    this.server = server;
  }

  /** Sender's address, dotted (made from the native transport's number only when asked). */
  get address(): string {
    return typeof this.addr === 'string' ? this.addr : u32ToIpv4(this.addr);
  }

  /** Sender's port. */
  get port(): number {
    return this.portNo;
  }

  /** "address:port" of the sender, for logs. */
  get peer(): string {
    return `${this.address}:${this.portNo}`;
  }

  /** @internal Used by UdpServer around each handler call. */
  enter(address: UdpPeerAddress, port: number): void {
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
export class UdpServer extends UdpEndpoint {
  private readonly router: MessageRouter<UdpReplyTarget>;
  private readonly target: UdpReplyTarget;

  constructor(router: MessageRouter<UdpReplyTarget>, options: UdpServerOptions = {}) {
    const host = options.host ?? DEFAULTS.host;
    const port = options.port ?? DEFAULTS.port;
    // Checked before super() so an invalid server never opens a socket.
    checkOption(Number.isInteger(port) && port >= 0 && port <= 65535, 'port', 'must be 0..65535');
    super(options, { component: 'udp-server', host, port, transport: options.transport });
    this.router = router;
    this.target = new UdpReplyTarget(this);
  }

  /** Binds; resolves with the bound address (useful with port 0). */
  async listen(): Promise<{ address: string; port: number }> {
    const { address, port } = await this.openWith(this.transport.bind(this.host, this.port));
    this.logger.info({ address, port, transport: this.transport.kind }, 'listening');
    return { address, port };
  }

  /** Encodes and sends one frame to `address:port`. */
  sendTo<M extends MessageId>(address: UdpPeerAddress, port: number, msgid: M, message: MessageMap[M]): SendOutcome {
    return this.sendMessage(msgid, message, address, port);
  }

  /** Sends `body` framed with `msgid`; TOO_LARGE (counted) above maxBodyBytes. */
  sendRawTo(address: UdpPeerAddress, port: number, msgid: number, body: Uint8Array): SendOutcome {
    return this.sendFrame(msgid, body, address, port);
  }

  protected override deliver(msgid: number, body: Buffer, address: UdpPeerAddress, port: number): DispatchOutcome {
    const target = this.target;
    target.enter(address, port);
    // dispatch never throws (the router contains handler errors), so leave() always runs.
    const outcome = this.router.dispatch(msgid, body, target);
    target.leave();
    return outcome;
  }
}
