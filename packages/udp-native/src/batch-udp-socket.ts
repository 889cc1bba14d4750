import { getSystemErrorName } from 'node:util';
import { checkOption, ipv4ToU32 } from '@lars/wire';
import { BatchUdpError, BatchUdpErrorCode } from './errors.js';
import { loadUdpNative, udpNativeLoadError } from './native-binding.js';
import type { NativeSocket, NativeStats, UdpNativeBinding } from './native-binding.js';
import type { GetHostTable } from './get-host-table.js';

export interface BatchUdpSocketOptions {
  /**
   * Bytes of one slot: the longest datagram received whole (a longer one is
   * delivered cut to this length, with truncated(i) true) and the longest one
   * flush() sends. The agent protocol's datagrams are small, hence 4 KiB;
   * 65536 takes any UDP datagram.
   */
  slotBytes: number;
  /** Receive slots: the most datagrams one recvmmsg call, and so one onBatch call, delivers. */
  recvSlots: number;
  /** Send slots: the most datagrams one flush() sends. */
  sendSlots: number;
  /**
   * recvmmsg batches read per readable wakeup before yielding to the event
   * loop, so that a flood on one socket cannot starve timers and other I/O.
   */
  maxBatchesPerWakeup: number;
  /** SO_RCVBUF in bytes; 0 keeps the kernel's default. */
  receiveBufferBytes: number;
  /** SO_SNDBUF in bytes; 0 keeps the kernel's default. */
  sendBufferBytes: number;
  /** Allocate the buffers as SharedArrayBuffer (to hand them to other threads) instead of ArrayBuffer. */
  shared: boolean;
  /** Receive area to use instead of allocating one: at least recvSlots * slotBytes bytes. */
  recvBuffer: ArrayBuffer | SharedArrayBuffer | undefined;
  /** Send area to use instead of allocating one: at least sendSlots * slotBytes bytes. */
  sendBuffer: ArrayBuffer | SharedArrayBuffer | undefined;
  /**
   * Threaded mode: a native thread receives, answers the get_hosts this
   * table can answer, and hands every other datagram to onBatch. recvSlots
   * must then be even: the hand-off uses them as two halves. The buffers
   * must not be transferred while the socket is open.
   */
  getHostTable: GetHostTable | undefined;
}

export const BATCH_UDP_SOCKET_DEFAULTS: Readonly<BatchUdpSocketOptions> = Object.freeze({
  slotBytes: 4096,
  recvSlots: 64,
  sendSlots: 64,
  maxBatchesPerWakeup: 16,
  receiveBufferBytes: 0,
  sendBufferBytes: 0,
  shared: false,
  recvBuffer: undefined,
  sendBuffer: undefined,
  getHostTable: undefined,
});

/** The largest UDP datagram is 65507 bytes; a larger slot would only waste memory. */
const MAX_SLOT_BYTES = 65536;
const MAX_SLOTS = 1024;

export interface BatchUdpStats extends NativeStats {
  /** Datagrams received while no onBatch handler was set. */
  unhandled: number;
}

/**
 * Called once per batch; slots first..first+count-1 hold the datagrams, valid
 * until it returns. `first` is 0 except in threaded mode.
 */
export type BatchHandler = (count: number, first: number) => void;

function isCount(v: number, max: number): boolean {
  return Number.isInteger(v) && v >= 1 && v <= max;
}

function isByteSize(v: number): boolean {
  return Number.isInteger(v) && v >= 0 && v <= 0x7fffffff;
}

function checkOptions(o: BatchUdpSocketOptions): void {
  checkOption(isCount(o.slotBytes, MAX_SLOT_BYTES), 'slotBytes', `must be an integer in 1..${MAX_SLOT_BYTES}`);
  checkOption(isCount(o.recvSlots, MAX_SLOTS), 'recvSlots', `must be an integer in 1..${MAX_SLOTS}`);
  checkOption(isCount(o.sendSlots, MAX_SLOTS), 'sendSlots', `must be an integer in 1..${MAX_SLOTS}`);
  checkOption(isCount(o.maxBatchesPerWakeup, MAX_SLOTS), 'maxBatchesPerWakeup', `must be in 1..${MAX_SLOTS}`);
  checkOption(isByteSize(o.receiveBufferBytes), 'receiveBufferBytes', 'must be a non-negative integer');
  checkOption(isByteSize(o.sendBufferBytes), 'sendBufferBytes', 'must be a non-negative integer');
  checkOption(o.getHostTable === undefined || o.recvSlots % 2 === 0, 'recvSlots', 'must be even with a getHostTable');
  for (const [name, buffer, slots] of [
    ['recvBuffer', o.recvBuffer, o.recvSlots],
    ['sendBuffer', o.sendBuffer, o.sendSlots],
  ] as const) {
    const need = slots * o.slotBytes;
    checkOption(buffer === undefined || buffer.byteLength >= need, name, `needs at least ${need} bytes`);
  }
}

function isPort(port: number): boolean {
  return Number.isInteger(port) && port >= 0 && port <= 65535;
}

/** A host-order IPv4 address from a dotted string or the number itself (as the metadata holds it). */
function toIp(address: string | number): number {
  if (typeof address === 'string') return ipv4ToU32(address);
  checkOption(Number.isInteger(address) && address >= 0 && address <= 0xffffffff, 'address', 'not a u32');
  return address;
}

/**
 * An IPv4 UDP socket that receives and sends in batches through the native
 * addon: recvmmsg into `recvData` slots, sendmmsg from `sendData` slots, with
 * a uv_poll_t on the socket in this thread's event loop (no polling thread,
 * no busy loop). Slot i of a data area is bytes [i * slotBytes, (i + 1) *
 * slotBytes); its metadata record is META_WORDS words of the meta array
 * (length, source or destination IPv4 in host order, port, flags).
 */
export class BatchUdpSocket {
  readonly options: Readonly<BatchUdpSocketOptions>;
  /** Receive slots; slot i's datagram is `packet(i)`. */
  readonly recvData: Uint8Array;
  readonly recvMeta: Uint32Array;
  /** Send slots; write slot i through `outgoing(i)` or `writeOutgoing`. */
  readonly sendData: Uint8Array;
  readonly sendMeta: Uint32Array;
  private readonly binding: UdpNativeBinding;
  private readonly native: NativeSocket;
  private handler: BatchHandler | undefined;
  private unhandled = 0;
  private port: number | undefined;
  private closing: Promise<void> | undefined;

  /** True when the addon loads here; `loadError()` says why not. */
  static load(): boolean {
    return udpNativeLoadError() === undefined;
  }

  /** Why the addon does not load (a NATIVE_UNAVAILABLE error), or undefined when it does. */
  static loadError(): BatchUdpError | undefined {
    return udpNativeLoadError();
  }

  /** Throws NATIVE_UNAVAILABLE when the addon does not load, BAD_OPTION on an invalid option. */
  constructor(options: Partial<BatchUdpSocketOptions> = {}) {
    const o: BatchUdpSocketOptions = { ...BATCH_UDP_SOCKET_DEFAULTS, ...options };
    checkOptions(o);
    this.options = Object.freeze(o);
    this.binding = loadUdpNative();
    const words = this.binding.META_WORDS;
    const alloc = (bytes: number): ArrayBuffer | SharedArrayBuffer =>
      o.shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
    const recv = o.recvBuffer ?? alloc(o.recvSlots * o.slotBytes);
    const send = o.sendBuffer ?? alloc(o.sendSlots * o.slotBytes);
    this.recvData = new Uint8Array(recv, 0, o.recvSlots * o.slotBytes);
    this.sendData = new Uint8Array(send, 0, o.sendSlots * o.slotBytes);
    this.recvMeta = new Uint32Array(alloc(o.recvSlots * words * 4));
    this.sendMeta = new Uint32Array(alloc(o.sendSlots * words * 4));
    this.native = new this.binding.Socket(o.slotBytes, o.maxBatchesPerWakeup);
  }

  /**
   * Binds to `address`:`port` (0 picks a free port) and starts watching for
   * datagrams. Returns the bound port. Set the handler with onBatch() before
   * or right after (batches arrive no earlier than the next event loop turn).
   */
  bind(address = '127.0.0.1', port = 0): number {
    this.checkOpen();
    checkOption(this.port === undefined, 'bind', 'the socket is already bound');
    checkOption(isPort(port), 'port', `${port} is not in 0..65535`);
    const o = this.options;
    const result = this.native.bind(
      ipv4ToU32(address),
      port,
      o.receiveBufferBytes,
      o.sendBufferBytes,
      this.recvData,
      this.recvMeta,
      this.sendData,
      this.sendMeta,
      (count, first) => this.dispatch(count, first),
      o.getHostTable?.words,
    );
    if (result < 0) {
      const errno = getSystemErrorName(result);
      throw new BatchUdpError(BatchUdpErrorCode.BIND_FAILED, `bind ${address}:${port}: ${errno}`, { errno });
    }
    this.port = result;
    return result;
  }

  /** The bound port, undefined before bind(). */
  get boundPort(): number | undefined {
    return this.port;
  }

  /** Sets the one batch handler (replacing any earlier one). */
  onBatch(handler: BatchHandler): this {
    this.handler = handler;
    return this;
  }

  /** Receive slot i's datagram: a view into recvData, valid only while the batch handler runs. */
  packet(i: number): Uint8Array {
    const start = i * this.options.slotBytes;
    return this.recvData.subarray(start, start + this.length(i));
  }

  /** Received length of slot i (cut to slotBytes when truncated). */
  length(i: number): number {
    return this.recvMeta[i * this.binding.META_WORDS + this.binding.META_LENGTH];
  }

  /** Source IPv4 of slot i in host order (u32ToIpv4 makes it a string). */
  address(i: number): number {
    return this.recvMeta[i * this.binding.META_WORDS + this.binding.META_ADDRESS];
  }

  /** Source port of slot i. */
  sourcePort(i: number): number {
    return this.recvMeta[i * this.binding.META_WORDS + this.binding.META_PORT];
  }

  /** Slot i's datagram was longer than slotBytes and was cut. */
  truncated(i: number): boolean {
    const flags = this.recvMeta[i * this.binding.META_WORDS + this.binding.META_FLAGS];
    return (flags & this.binding.FLAG_TRUNCATED) !== 0;
  }

  /** Send slot i, all slotBytes of it, to encode a datagram in place; then setOutgoing(i, length, ...). */
  outgoing(i: number): Uint8Array {
    const start = i * this.options.slotBytes;
    return this.sendData.subarray(start, start + this.options.slotBytes);
  }

  /** Addresses send slot i: `length` bytes of it go to `address`:`port` at the next flush(). */
  setOutgoing(i: number, length: number, address: string | number, port: number): void {
    const { slotBytes, sendSlots } = this.options;
    checkOption(Number.isInteger(i) && i >= 0 && i < sendSlots, 'slot', `${i} is not in 0..${sendSlots - 1}`);
    checkOption(Number.isInteger(length) && length >= 0 && length <= slotBytes, 'length', `${length} > slotBytes`);
    checkOption(isPort(port), 'port', `${port} is not in 0..65535`);
    const at = i * this.binding.META_WORDS;
    this.sendMeta[at + this.binding.META_LENGTH] = length;
    this.sendMeta[at + this.binding.META_ADDRESS] = toIp(address);
    this.sendMeta[at + this.binding.META_PORT] = port;
  }

  /** Copies `data` into send slot i and addresses it (setOutgoing). */
  writeOutgoing(i: number, data: Uint8Array, address: string | number, port: number): void {
    this.setOutgoing(i, data.length, address, port);
    this.sendData.set(data, i * this.options.slotBytes);
  }

  /**
   * Sends send slots first..first+k-1 with sendmmsg, without blocking.
   * Returns how many slots, from `first`, it consumed: each was sent, or
   * dropped because the kernel refused that one datagram (no route, too big:
   * counted in stats().sendErrors, as a network would drop it). A return
   * below k means the send buffer is full (EAGAIN or ENOBUFS): the remaining
   * slots were not touched, and the caller decides whether to retry them,
   * `flush(k - n, first + n)` on a later turn, or drop them. Nothing waits
   * for the socket to become writable.
   */
  flush(k: number, first = 0): number {
    this.checkBound();
    const { sendSlots } = this.options;
    checkOption(Number.isInteger(k) && k >= 0, 'k', `${k} is not a count`);
    checkOption(Number.isInteger(first) && first >= 0 && first + k <= sendSlots, 'first', 'first + k > sendSlots');
    let sent: number;
    try {
      sent = this.native.flush(k, first);
    } catch (err) {
      throw new BatchUdpError(BatchUdpErrorCode.BAD_OPTION, (err as Error).message, { cause: err });
    }
    if (sent < 0) this.throwClosed();
    return sent;
  }

  /**
   * Sends one datagram outside the slots. Returns false when the send buffer
   * is full (nothing was sent); throws SEND_FAILED when the kernel refused it.
   */
  send(data: Uint8Array, address: string | number, port: number): boolean {
    this.checkBound();
    checkOption(isPort(port), 'port', `${port} is not in 0..65535`);
    const result = this.native.send(data, toIp(address), port);
    if (result > 0) return true;
    if (result === 0) return false;
    const errno = getSystemErrorName(result);
    throw new BatchUdpError(BatchUdpErrorCode.SEND_FAILED, `send to ${address}:${port}: ${errno}`, { errno });
  }

  /** Keeps the event loop (of this thread) alive while bound: the default. */
  ref(): this {
    this.native.ref();
    return this;
  }

  /** Lets the event loop end although the socket is bound, as dgram's unref(). */
  unref(): this {
    this.native.unref();
    return this;
  }

  stats(): BatchUdpStats {
    return { ...this.native.stats(), unhandled: this.unhandled };
  }

  /**
   * Stops the poll handle and closes the socket; resolves once both are
   * closed. No batch is delivered after close() is called, also from inside
   * a batch handler. Idempotent: every call returns the same promise.
   */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.handler = undefined;
      if (!this.native.close(resolve)) resolve();
    });
    return this.closing;
  }

  private dispatch(count: number, first: number): void {
    if (this.handler === undefined) {
      this.unhandled += count;
      return;
    }
    this.handler(count, first);
  }

  private checkOpen(): void {
    if (this.closing !== undefined) this.throwClosed();
  }

  private checkBound(): void {
    this.checkOpen();
    if (this.port === undefined) {
      throw new BatchUdpError(BatchUdpErrorCode.NOT_CONNECTED, 'the socket is not bound: call bind() first');
    }
  }

  private throwClosed(): never {
    throw new BatchUdpError(BatchUdpErrorCode.CLOSED, 'the socket is closed');
  }
}
