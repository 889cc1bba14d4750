import type { MessageId, MessageMap } from '@lars/proto';
import { checkOption } from './errors.js';
import { DispatchOutcome } from './message-router.js';
import type { MessageRouter } from './message-router.js';
import type { SendOutcome } from './send-outcome.js';
import { UdpEndpoint } from './udp-endpoint.js';
import type { UdpEndpointOptions } from './udp-endpoint.js';

export interface UdpClientOptions extends UdpEndpointOptions {
  host?: string;
  port?: number;
  /** Replies are decoded and dispatched here, with this client as `conn` ... */
  router?: MessageRouter<UdpClient>;
  /** ... or handed raw to this callback (body is a view into the datagram). Not both. */
  onFrame?: (msgid: number, body: Buffer) => void;
}

const DEFAULTS = {
  host: '127.0.0.1',
} as const;

/**
 * UDP frame client on a CONNECTED dgram socket (the SDK -> agent link): the
 * kernel fixes the peer, so sends carry no address and only the peer's
 * datagrams are received. An ICMP "port unreachable" surfaces as an error
 * that is counted (sendErrors) and handed to `onError` (ECONNREFUSED), never thrown.
 */
export class UdpClient extends UdpEndpoint {
  private readonly router: MessageRouter<UdpClient> | undefined;
  private readonly onFrame: ((msgid: number, body: Buffer) => void) | undefined;

  constructor(options: UdpClientOptions = {}) {
    const host = options.host ?? DEFAULTS.host;
    const port = options.port ?? -1;
    // Checked before super() so an invalid client never opens a socket.
    checkOption(Number.isInteger(port) && port > 0 && port <= 65535, 'port', 'must be 1..65535');
    const oneSink = options.router === undefined || options.onFrame === undefined;
    checkOption(oneSink, 'onFrame', 'give a router or onFrame, not both');
    super(options, { component: 'udp-client', host, port, peer: `${host}:${port}` });
    this.router = options.router;
    this.onFrame = options.onFrame;
  }

  /** Binds an ephemeral local port and connects the socket to host:port. */
  connect(): Promise<void> {
    return this.openWith(this.transport.connect(this.host, this.port));
  }

  /** "host:port" of the server, for logs (the router reads it as `conn.peer`). */
  get peer(): string {
    return `${this.host}:${this.port}`;
  }

  /** The local port (after connect()). */
  get localPort(): number {
    return this.transport.localPort();
  }

  send<M extends MessageId>(msgid: M, message: MessageMap[M]): SendOutcome {
    return this.sendMessage(msgid, message);
  }

  /** CLOSED before connect() or after close(); TOO_LARGE above maxBodyBytes; both counted. */
  sendRaw(msgid: number, body: Uint8Array): SendOutcome {
    return this.sendFrame(msgid, body);
  }

  protected override deliver(msgid: number, body: Buffer): DispatchOutcome {
    if (this.router !== undefined) return this.router.dispatch(msgid, body, this);
    if (this.onFrame === undefined) return DispatchOutcome.UNKNOWN_MSGID;
    try {
      this.onFrame(msgid, body);
      return DispatchOutcome.HANDLED;
    } catch (err) {
      this.warn('handler-error', { err }, 'onFrame failed');
      return DispatchOutcome.HANDLER_ERROR;
    }
  }
}
