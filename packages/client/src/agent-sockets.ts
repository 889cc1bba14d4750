import { AGENT_PORTS, agentPortIndex, type MessageId, type MessageMap } from '@lars/proto';
import { type MessageRouter, SendOutcome, UdpClient } from '@lars/wire';
import type { WireLogger } from '@lars/wire';
import { ClientErrorCode, LarsClientError } from './client-errors.js';

/** How the request tables reach the agent: sends `message` on the port that owns (modid, cmdid). */
export interface AgentLink {
  /** True when the datagram was handed to the socket. */
  send<M extends MessageId>(modid: number, cmdid: number, msgid: M, message: MessageMap[M]): boolean;
}

export interface AgentSocketsOptions {
  host: string;
  basePort: number;
  /** Decodes the agent's replies (shared by the three sockets). */
  router: MessageRouter<UdpClient>;
  /** SO_RCVBUF of each socket, bytes. */
  recvBufferSize?: number;
  logger?: WireLogger;
  /**
   * The socket of port `portIndex` (0..2) found the agent unreachable (an
   * ICMP port, host or network unreachable came back); `error` is
   * LARS_AGENT_UNREACHABLE, naming the port, with the socket error as cause.
   */
  onUnreachable?: (portIndex: number, error: LarsClientError) => void;
}

/** Sums of the three sockets' counters that the client reports. */
export interface AgentSocketsStats {
  sent: number;
  sendFailures: number;
  badReplies: number;
}

/**
 * Socket errors that mean no agent can get the datagram: ICMP port
 * unreachable (nothing listens on the port: the agent is not running) and
 * host/network unreachable. Other errors are only counted.
 */
const UNREACHABLE_ERRNOS: ReadonlySet<string> = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * The SDK's three connected UDP sockets, one per agent port: a request for
 * (modid, cmdid) goes to basePort + (modid + cmdid) % 3 (protocol.md), the
 * port whose worker owns the key. Connecting is started by the constructor;
 * `ready` tells how it went and never rejects.
 */
export class AgentSockets implements AgentLink {
  /** Resolves null once every socket is connected, or the error that stopped it. */
  readonly ready: Promise<LarsClientError | null>;
  private readonly sockets: UdpClient[] = [];
  private connected = false;
  private closing = false;
  private refused = 0;

  constructor(options: AgentSocketsOptions) {
    const { host, router, recvBufferSize, logger, onUnreachable } = options;
    for (let i = 0; i < AGENT_PORTS; i++) {
      const port = options.basePort + i;
      // One closure per socket, made once: the error path allocates only the error it reports.
      const onError =
        onUnreachable === undefined
          ? undefined
          : (err: NodeJS.ErrnoException): void => {
              if (err.code === undefined || !UNREACHABLE_ERRNOS.has(err.code)) return;
              const why = `the agent at ${host}:${port} is unreachable (${err.code}: is it running?)`;
              onUnreachable(i, new LarsClientError(ClientErrorCode.AGENT_UNREACHABLE, why, { cause: err }));
            };
      this.sockets.push(new UdpClient({ host, port, router, recvBufferSize, logger, onError }));
    }
    this.ready = this.connectAll(options.host, options.basePort);
  }

  /** True once every socket is connected (and until close). */
  get isConnected(): boolean {
    return this.connected;
  }

  send<M extends MessageId>(modid: number, cmdid: number, msgid: M, message: MessageMap[M]): boolean {
    const outcome = this.sockets[agentPortIndex(modid, cmdid)].send(msgid, message);
    if (outcome === SendOutcome.SENT) return true;
    this.refused++;
    return false;
  }

  stats(): AgentSocketsStats {
    let sent = 0;
    let sendFailures = this.refused;
    let badReplies = 0;
    for (const socket of this.sockets) {
      const s = socket.stats();
      sent += s.framesOut;
      sendFailures += s.sendErrors;
      badReplies += s.badFrames + s.lengthMismatch + s.unknownMsgid + s.badBody + s.handlerErrors;
    }
    return { sent, sendFailures, badReplies };
  }

  async close(): Promise<void> {
    this.closing = true;
    this.connected = false;
    await this.ready;
    await Promise.all(this.sockets.map((s) => s.close()));
  }

  private async connectAll(host: string, basePort: number): Promise<LarsClientError | null> {
    try {
      await Promise.all(this.sockets.map((s) => s.connect()));
      this.connected = !this.closing;
      return null;
    } catch (err) {
      const ports = `${basePort}..${basePort + AGENT_PORTS - 1}`;
      return new LarsClientError(ClientErrorCode.SEND_FAILED, `cannot connect to the agent at ${host}:${ports}`, {
        cause: err,
      });
    }
  }
}
