import { ErrorCode, HEADER_BYTES, LarsError, UdpTransportKind } from '@lars/wire';
import type { UdpPeerAddress, UdpTransport, UdpTransportSink } from '@lars/wire';
import { BatchUdpSocket } from './batch-udp-socket.js';
import type { BatchUdpSocketOptions, BatchUdpStats } from './batch-udp-socket.js';

/** BatchUdpSocketOptions the transport takes (the buffers are its own). */
export type NativeUdpTransportOptions = Partial<
  Pick<
    BatchUdpSocketOptions,
    'recvSlots' | 'sendSlots' | 'maxBatchesPerWakeup' | 'receiveBufferBytes' | 'sendBufferBytes' | 'getHostTable'
  >
>;

/**
 * Slots of 64 KiB take any UDP datagram whole, so nothing is ever truncated
 * and a bad datagram is counted exactly as node:dgram would have it. The
 * memory is virtual until written: a datagram dirties only the pages it
 * fills, so 32 slots of small requests keep a few pages resident.
 */
const SLOT_BYTES = 65536;
const DEFAULTS = { recvSlots: 32, sendSlots: 32, maxBatchesPerWakeup: 8 } as const;

/** What NativeUdpTransport.stats() adds to the addon's counters. */
export interface NativeUdpTransportStats extends BatchUdpStats {
  /** Replies not sent because the socket's send buffer was full (also reported to the sink, one error each). */
  sendBufferFull: number;
}

/**
 * UdpTransport over BatchUdpSocket: one recvmmsg per batch of requests, and
 * the replies written while the batch is handled go out together in one
 * sendmmsg when it ends. A frame sent outside a batch (a late answer) is
 * flushed at once. Replies are encoded straight into the send slots, so no
 * Buffer is allocated per reply.
 *
 * A partial sendmmsg (the send buffer is full) drops the rest and reports
 * each dropped one to the sink as an EAGAIN error: as UDP would drop them
 * on a full queue, counted, never blocking the thread.
 */
export class NativeUdpTransport implements UdpTransport {
  readonly kind = UdpTransportKind.NATIVE;
  private readonly socket: BatchUdpSocket;
  private readonly recv: Buffer;
  private readonly send: Buffer;
  private readonly sendSlots: number;
  private sink: UdpTransportSink | undefined;
  /** Send slots 0..pending-1 hold frames not yet flushed. */
  private pending = 0;
  private inBatch = false;
  private sendBufferFull = 0;

  /** Throws NATIVE_UNAVAILABLE (a LarsError) when the addon does not load here. */
  constructor(options: NativeUdpTransportOptions = {}) {
    const o = { ...DEFAULTS, ...options };
    // Threaded, the slots are two halves: the one JavaScript reads and the one the thread fills.
    if (o.getHostTable !== undefined) o.recvSlots *= 2;
    this.socket = new BatchUdpSocket({ ...o, slotBytes: SLOT_BYTES });
    this.sendSlots = o.sendSlots;
    const { recvData, sendData } = this.socket;
    this.recv = Buffer.from(recvData.buffer, recvData.byteOffset, recvData.byteLength);
    this.send = Buffer.from(sendData.buffer, sendData.byteOffset, sendData.byteLength);
  }

  attach(sink: UdpTransportSink): void {
    this.sink = sink;
    this.socket.onBatch(this.onBatch);
  }

  bind(host: string, port: number): Promise<{ address: string; port: number }> {
    try {
      return Promise.resolve({ address: host, port: this.socket.bind(host, port) });
    } catch (err) {
      return Promise.reject(err);
    }
  }

  connect(): Promise<void> {
    return Promise.reject(
      new LarsError(ErrorCode.BAD_OPTION, 'the native UDP transport serves (bind); it does not connect'),
    );
  }

  localPort(): number {
    return this.socket.boundPort ?? 0;
  }

  sendFrame(msgid: number, body: Uint8Array, address: UdpPeerAddress | undefined, port: number): void {
    if (address === undefined) throw new LarsError(ErrorCode.BAD_OPTION, 'the native UDP transport needs an address');
    const slot = this.pending;
    const at = slot * SLOT_BYTES;
    const send = this.send;
    send.writeInt32LE(msgid, at);
    send.writeInt32LE(body.length, at + 4);
    send.set(body, at + HEADER_BYTES);
    this.socket.setOutgoing(slot, HEADER_BYTES + body.length, address, port);
    this.pending = slot + 1;
    if (!this.inBatch || this.pending === this.sendSlots) this.flush();
  }

  stats(): NativeUdpTransportStats {
    return { ...this.socket.stats(), sendBufferFull: this.sendBufferFull };
  }

  close(): Promise<void> {
    this.pending = 0;
    return this.socket.close();
  }

  private flush(): void {
    const k = this.pending;
    this.pending = 0;
    const sent = this.socket.flush(k);
    for (let i = sent; i < k; i++) {
      this.sendBufferFull++;
      const err: NodeJS.ErrnoException = new Error('send buffer full: reply dropped');
      err.code = 'EAGAIN';
      this.sink?.error(err);
    }
  }

  private readonly onBatch = (count: number, first: number): void => {
    const sink = this.sink;
    if (sink === undefined) return;
    const socket = this.socket;
    const recv = this.recv;
    this.inBatch = true;
    try {
      for (let i = first; i < first + count; i++) {
        const at = i * SLOT_BYTES;
        sink.datagram(recv.subarray(at, at + socket.length(i)), socket.address(i), socket.sourcePort(i));
      }
    } finally {
      this.inBatch = false;
      // close() from a handler emptied the slots; the socket is gone then.
      if (this.pending > 0) this.flush();
    }
  };
}
