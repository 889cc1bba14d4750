import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { decodeBody, encodeBody } from '@lars/proto';
import type { DecodedMessageMap, MessageId, MessageMap } from '@lars/proto';
import { FrameDecoder, encodeFrame } from '@lars/wire';

/** A bare socket peer for tests: writes frames (or any bytes) and collects the frames it receives. */
export class TcpTestPeer {
  readonly socket: Socket;
  readonly frames: { msgid: number; body: Buffer }[] = [];
  /** Resolves when the socket has closed. */
  readonly closed: Promise<void>;
  private readonly decoder: FrameDecoder;
  private waiter: (() => void) | null = null;

  private constructor(socket: Socket) {
    this.socket = socket;
    this.decoder = new FrameDecoder({
      onFrame: (msgid, body) => {
        this.frames.push({ msgid, body: Buffer.from(body) });
        this.wake();
      },
    });
    socket.on('data', (chunk: Buffer) => {
      this.decoder.push(chunk);
    });
    socket.on('error', () => {});
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.wake();
        resolve();
      }),
    );
  }

  static open(port: number, host = '127.0.0.1'): Promise<TcpTestPeer> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new TcpTestPeer(socket));
      });
    });
  }

  send<M extends MessageId>(msgid: M, message: MessageMap[M]): void {
    this.socket.write(encodeFrame(msgid, encodeBody(msgid, message)));
  }

  write(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  /** Waits until `count` frames in total have arrived; rejects if the socket closes first. */
  async waitFrames(count: number): Promise<void> {
    while (this.frames.length < count) {
      if (this.socket.destroyed) throw new Error(`closed after ${this.frames.length} of ${count} frames`);
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
      });
    }
  }

  /** Decodes the i-th received frame as `msgid`. */
  message<M extends MessageId>(i: number, msgid: M): DecodedMessageMap[M] {
    const frame = this.frames[i];
    if (frame.msgid !== msgid) throw new Error(`frame ${i} has msgid ${frame.msgid}, expected ${msgid}`);
    return decodeBody(msgid, frame.body);
  }

  async close(): Promise<void> {
    this.socket.end();
    await this.closed;
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.();
  }
}
