import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { once } from 'node:events';
import { MessageId, encodeBody } from '@lars/proto';
import { FrameDecoder, encodeFrame } from '@lars/wire';

/**
 * A bare client socket for the guard tests that can pick its source address
 * (any of 127.0.0.0/8 works on Linux), so one test can be several peers.
 * Counts the frames it receives; `closed` resolves when the server cuts it.
 */
export class GuardPeer {
  readonly socket: Socket;
  readonly closed: Promise<void>;
  isClosed = false;
  framesIn = 0;
  private readonly decoder = new FrameDecoder({ onFrame: () => this.onFrame() });
  private waiters: Array<() => void> = [];

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => this.decoder.push(chunk));
    // Resets by the server (a refusal closes at once) are what several tests expect.
    socket.on('error', () => {});
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.isClosed = true;
        this.wake();
        resolve();
      }),
    );
  }

  /** Connects from `localAddress`; resolves once the TCP handshake is done (the server may still refuse it). */
  static async open(port: number, localAddress = '127.0.0.1'): Promise<GuardPeer> {
    const socket = connect({ host: '127.0.0.1', port, localAddress });
    const peer = new GuardPeer(socket);
    await Promise.race([once(socket, 'connect'), peer.closed]);
    return peer;
  }

  /** Sends GetRouteRequest and waits for one frame back; throws when the server closes the socket first. */
  async ask(modid: number, cmdid = 1): Promise<void> {
    const want = this.framesIn + 1;
    this.socket.write(encodeFrame(MessageId.GetRouteRequest, encodeBody(MessageId.GetRouteRequest, { modid, cmdid })));
    while (this.framesIn < want) {
      if (this.isClosed) throw new Error(`closed by the server before an answer to modid ${modid}`);
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** True when `ask` gets an answer, false when the server closed the connection instead. */
  async served(modid: number): Promise<boolean> {
    try {
      await this.ask(modid);
      return true;
    } catch {
      // The refusal itself is the outcome being measured.
      return false;
    }
  }

  write(bytes: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => this.socket.write(bytes, (err) => (err ? reject(err) : resolve())));
  }

  /** Writes `bytes`; false, instead of an error, once the server has closed the socket. */
  async writeWhileOpen(bytes: Uint8Array): Promise<boolean> {
    if (this.isClosed || this.socket.destroyed) return false;
    return new Promise((resolve) => this.socket.write(bytes, (err) => resolve(err == null)));
  }

  close(): Promise<void> {
    this.socket.destroy();
    return this.closed;
  }

  private onFrame(): void {
    this.framesIn++;
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
