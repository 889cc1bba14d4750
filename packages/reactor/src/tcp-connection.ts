import type { Socket } from 'node:net';
import { encodeBody } from '@lars/proto';
import type { MessageId, MessageMap } from '@lars/proto';
import { FrameDecoder, HEADER_BYTES, MAX_BODY_BYTES, encodeFrame } from '@lars/wire';
import type { FrameSink } from '@lars/wire';
import type { LogThrottle } from '@lars/wire';
import type { Logger } from './logger.js';
import { DispatchOutcome } from '@lars/wire';
import type { MessageRouter } from '@lars/wire';
import { SendOutcome } from '@lars/wire';

/** Counters a TcpServer or TcpClient shares with its connections (plain numbers, mutated in place). */
export interface TcpCounters {
  framesIn: number;
  framesOut: number;
  badFrames: number;
  unknownMsgid: number;
  badBody: number;
  handlerErrors: number;
  outputOverflow: number;
  /** Connections that closed holding an incomplete frame (dropped with them): a peer that stopped mid-frame. */
  truncatedFrames: number;
}

export function newTcpCounters(): TcpCounters {
  return {
    framesIn: 0,
    framesOut: 0,
    badFrames: 0,
    unknownMsgid: 0,
    badBody: 0,
    handlerErrors: 0,
    outputOverflow: 0,
    truncatedFrames: 0,
  };
}

/** Options TcpServerOptions and TcpClientOptions share: how their connections behave. */
export interface TcpConnectionOptions {
  /** Per-connection output bound; a peer that lets more pile up is disconnected. */
  maxOutputBytes?: number;
  /** How long close() waits for a peer to finish before destroying its socket. */
  closeGraceMs?: number;
  /** TCP_NODELAY on the sockets (request/response traffic). */
  noDelay?: boolean;
  logger?: Logger;
  /** At most one warning per reason (bad frame, overflow, ...) per this many ms. */
  warnIntervalMs?: number;
}

/** Defaults of TcpConnectionOptions, spread into the server's and the client's DEFAULTS. */
export const TCP_CONNECTION_DEFAULTS = {
  maxOutputBytes: 4 * 1024 * 1024,
  closeGraceMs: 2_000,
  noDelay: true,
  warnIntervalMs: 10_000,
} as const;

/**
 * What a connection needs from the server or client that made it. One object
 * per server/client, shared by all its connections.
 */
export interface TcpConnectionOwner<Ctx> {
  readonly router: MessageRouter<TcpConnection<Ctx>>;
  readonly counters: TcpCounters;
  readonly logger: Logger;
  readonly throttle: LogThrottle;
  readonly maxOutputBytes: number;
  /** How long a graceful close waits for the peer before destroying the socket. */
  readonly closeGraceMs: number;
  /** Called once, after the socket closed and after the last dispatch. */
  connectionClosed(conn: TcpConnection<Ctx>): void;
  /**
   * The clock of the server's guards (ms). When set, each connection keeps
   * the times the guards read (lastDataAt, partialSince, lastValidAt); a
   * client leaves it unset and pays nothing.
   */
  readonly now?: () => number;
}

/** Resolves after the current turn of the event loop (the check phase, after poll has read sockets). */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const State = { OPEN: 0, CLOSING: 1, CLOSED: 2 } as const;
type State = (typeof State)[keyof typeof State];

/**
 * One framed TCP connection: decodes incoming frames and dispatches them
 * through the owner's router, and writes frames with a bounded output buffer.
 * A malformed header closes the connection (the stream cannot be resynced);
 * an unknown msgid or a bad body only drops that frame.
 */
export class TcpConnection<Ctx = unknown> {
  readonly id: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** "address:port" of the peer, for logs. */
  readonly peer: string;
  /** Per-connection slot for the application (the original's `param`). */
  context: Ctx | undefined = undefined;

  private readonly socket: Socket;
  private readonly owner: TcpConnectionOwner<Ctx>;
  private readonly decoder: FrameDecoder;
  private state: State = State.OPEN;
  private graceTimer: NodeJS.Timeout | null = null;
  private readonly closedPromise: Promise<void>;
  private resolveClosed!: () => void;
  /** Data events so far: drain() watches it to see whether a turn brought more. */
  private chunks = 0;
  /** Frames decoded and frames the router handled (to tell when a chunk completed one). */
  private frames = 0;
  private validFrames = 0;
  private lastData = -1;
  private partialStart = -1;
  private lastValid = -1;

  constructor(socket: Socket, id: number, owner: TcpConnectionOwner<Ctx>) {
    this.socket = socket;
    this.id = id;
    this.owner = owner;
    this.remoteAddress = socket.remoteAddress ?? '';
    this.remotePort = socket.remotePort ?? 0;
    this.peer = `${this.remoteAddress}:${this.remotePort}`;
    const sink: FrameSink = { onFrame: (msgid, body) => this.handleFrame(msgid, body) };
    this.decoder = new FrameDecoder(sink);
    this.closedPromise = new Promise((resolve) => {
      this.resolveClosed = resolve;
    });
    socket.on('error', this.onError);
    socket.once('end', this.onEnd);
    socket.once('close', this.onClose);
    if (owner.now !== undefined) this.lastData = owner.now();
  }

  /** When bytes last arrived, or when the connection was accepted (-1 without the owner's clock). */
  get lastDataAt(): number {
    return this.lastData;
  }

  /** When the incomplete frame the decoder holds began, or -1 when it holds none (or without a clock). */
  get partialSince(): number {
    return this.partialStart;
  }

  /** When the last frame the router handled arrived, or -1 when none has (or without a clock). */
  get lastValidAt(): number {
    return this.lastValid;
  }

  /** Bytes of an incomplete frame held by the decoder. */
  get partialBytes(): number {
    return this.decoder.bufferedBytes;
  }

  /** Starts reading. Separate from the constructor so the owner's start hook runs before any dispatch. */
  begin(): void {
    this.socket.on('data', this.onData);
  }

  /** True once close() or destroy() was called or the socket closed: sends are refused, frames ignored. */
  get closed(): boolean {
    return this.state !== State.OPEN;
  }

  /** Bytes written but not yet handed to the kernel. */
  get outputBytes(): number {
    return this.socket.writableLength;
  }

  /** Encodes `message` and sends it as one frame. */
  send<M extends MessageId>(msgid: M, message: MessageMap[M]): SendOutcome {
    if (this.state !== State.OPEN) return SendOutcome.CLOSED;
    return this.sendRaw(msgid, encodeBody(msgid, message));
  }

  /** Sends `body` as is, framed with `msgid`. */
  sendRaw(msgid: number, body: Uint8Array): SendOutcome {
    if (this.state !== State.OPEN) return SendOutcome.CLOSED;
    if (body.length > MAX_BODY_BYTES) return SendOutcome.TOO_LARGE;
    if (!this.reserve(HEADER_BYTES + body.length)) return SendOutcome.OVERFLOW;
    this.socket.write(encodeFrame(msgid, body));
    this.owner.counters.framesOut++;
    return SendOutcome.SENT;
  }

  /**
   * Sends a frame already encoded with encodeFrame (one encoding for many
   * connections, or a client's queued frames). The bytes are not checked.
   */
  sendFrame(frame: Buffer): SendOutcome {
    if (this.state !== State.OPEN) return SendOutcome.CLOSED;
    if (!this.reserve(frame.length)) return SendOutcome.OVERFLOW;
    this.socket.write(frame);
    this.owner.counters.framesOut++;
    return SendOutcome.SENT;
  }

  /**
   * Graceful close: stops dispatching, flushes queued output, ends the
   * socket, and destroys it if the peer has not closed within closeGraceMs.
   * Resolves once the socket is closed.
   */
  close(): Promise<void> {
    if (this.state === State.OPEN) {
      this.state = State.CLOSING;
      this.socket.end();
      this.graceTimer = setTimeout(this.onGraceExpired, this.owner.closeGraceMs);
      this.graceTimer.unref();
    }
    return this.closedPromise;
  }

  /**
   * Reads and dispatches on until the socket has nothing more buffered, then
   * closes gracefully. "Nothing more" is a whole turn of the event loop (one
   * poll phase, where readable sockets are read) without a data event, or the
   * peer's end. Bytes still in flight on the network are not waited for; an
   * incomplete frame left at the end is dropped with the connection.
   */
  async drain(): Promise<void> {
    if (this.state !== State.OPEN) return this.closedPromise;
    // The first turn only starts the watch: drain() may have been called in
    // the middle of a poll phase, after this socket's turn in it.
    await nextTurn();
    let seen = this.chunks;
    for (;;) {
      await nextTurn();
      if (this.state !== State.OPEN || this.chunks === seen) break;
      seen = this.chunks;
    }
    return this.close();
  }

  /** Immediate close: pending output is discarded. */
  destroy(): void {
    if (this.state === State.CLOSED) return;
    this.state = State.CLOSING;
    this.socket.destroy();
  }

  /** Resolves once the socket is closed, however that happened. */
  whenClosed(): Promise<void> {
    return this.closedPromise;
  }

  /** False (and the connection destroyed) when `bytes` more would pass the output bound. */
  private reserve(bytes: number): boolean {
    if (this.socket.writableLength + bytes <= this.owner.maxOutputBytes) return true;
    this.owner.counters.outputOverflow++;
    this.warn('output-overflow', 'peer does not read: output bound reached, closing connection', {
      outputBytes: this.socket.writableLength,
      maxOutputBytes: this.owner.maxOutputBytes,
    });
    this.destroy();
    return false;
  }

  private handleFrame(msgid: number, body: Buffer): void {
    // A handler may close the connection; the rest of the chunk is then ignored.
    if (this.state !== State.OPEN) return;
    const counters = this.owner.counters;
    counters.framesIn++;
    this.frames++;
    const outcome = this.owner.router.dispatch(msgid, body, this);
    if (outcome === DispatchOutcome.HANDLED) {
      this.validFrames++;
      return;
    }
    if (outcome === DispatchOutcome.UNKNOWN_MSGID) counters.unknownMsgid++;
    else if (outcome === DispatchOutcome.BAD_BODY) counters.badBody++;
    else counters.handlerErrors++;
  }

  private warn(reason: string, msg: string, extra: Record<string, unknown>): void {
    const suppressed = this.owner.throttle.take(reason);
    if (suppressed < 0) return;
    this.owner.logger.warn({ reason, peer: this.peer, conn: this.id, suppressed, ...extra }, msg);
  }

  private readonly onData = (chunk: Buffer): void => {
    if (this.state !== State.OPEN) return;
    this.chunks++;
    const frames = this.frames;
    const valid = this.validFrames;
    const error = this.decoder.push(chunk);
    if (error === null) {
      if (this.owner.now !== undefined) this.track(this.owner.now(), frames, valid);
      return;
    }
    this.owner.counters.badFrames++;
    this.warn('bad-frame', 'malformed frame header, closing connection', { err: error.message });
    this.destroy();
  };

  /** Updates the guards' times after a chunk; `frames` and `valid` are the counts before it. */
  private track(now: number, frames: number, valid: number): void {
    this.lastData = now;
    if (this.validFrames !== valid) this.lastValid = now;
    // A partial frame's clock starts when it begins: at once when the chunk
    // completed a frame and began the next, else only from none held.
    if (this.decoder.bufferedBytes === 0) this.partialStart = -1;
    else if (this.partialStart < 0 || this.frames !== frames) this.partialStart = now;
  }

  private readonly onError = (err: Error): void => {
    // 'close' always follows; resets by the peer are routine, so only debug.
    this.owner.logger.debug({ peer: this.peer, conn: this.id, err: err.message }, 'connection error');
  };

  // The peer closed its side: nothing more can be sent usefully, so stop sending
  // (a client then queues instead of writing after end) and finish the close.
  private readonly onEnd = (): void => {
    void this.close();
  };

  private readonly onGraceExpired = (): void => {
    this.socket.destroy();
  };

  private readonly onClose = (): void => {
    // Counted once, here, however the connection ended (peer's end, reset, frame timeout, shutdown).
    if (this.decoder.bufferedBytes > 0) this.owner.counters.truncatedFrames++;
    this.state = State.CLOSED;
    if (this.graceTimer !== null) clearTimeout(this.graceTimer);
    this.graceTimer = null;
    this.socket.off('data', this.onData);
    try {
      this.owner.connectionClosed(this);
    } finally {
      this.resolveClosed();
    }
  };
}
