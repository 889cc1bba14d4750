import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { BatchUdpError, BatchUdpErrorCode } from './errors.js';

/** The counters the addon keeps per socket. */
export interface NativeStats {
  /** recvmmsg calls that returned datagrams, i.e. onBatch calls. */
  batches: number;
  datagramsIn: number;
  /** Datagrams longer than slotBytes, delivered cut to it with the truncated flag. */
  truncated: number;
  recvErrors: number;
  datagramsOut: number;
  /** Datagrams flush() dropped because the kernel refused them (see lastErrno). */
  sendErrors: number;
  /** errno of the last receive or send error, 0 if none. */
  lastErrno: number;
  /** Threaded mode: recvmmsg calls of the serving thread that returned datagrams (0 otherwise). */
  threadBatches: number;
  /** Threaded mode: get_hosts the serving thread answered from the table. */
  answered: number;
  /** Threaded mode: datagrams the serving thread handed to JavaScript (answered + handed = what it received). */
  handed: number;
  /** Threaded mode: times the serving thread waited for JavaScript to take a full half of the slots. */
  handoffWaits: number;
}

/** The get_host table's layout (src/native/get_host_table.h), as the addon exports it. */
export interface GetHostTableLayout {
  MAGIC: number;
  HEADER_WORDS: number;
  H_MAGIC: number;
  H_SLOTS: number;
  H_MAX_HOSTS: number;
  H_ANSWERED: number;
  MAX_HOSTS: number;
  SLOT_WORDS: number;
  S_LOCK: number;
  S_STATE: number;
  S_MODID: number;
  S_CMDID: number;
  S_COUNT: number;
  S_CURSOR: number;
  S_DEADLINE: number;
  S_ACCESS: number;
  S_HOSTS: number;
  SLOT_EMPTY: number;
  SLOT_DEAD: number;
  SLOT_HELD: number;
  SLOT_SERVE: number;
}

/** One socket of the addon (src/native/udp_batch.c); BatchUdpSocket is the API to use. */
export interface NativeSocket {
  /** The bound port, or -errno. */
  bind(
    ip: number,
    port: number,
    receiveBufferBytes: number,
    sendBufferBytes: number,
    recvData: Uint8Array,
    recvMeta: Uint32Array,
    sendData: Uint8Array,
    sendMeta: Uint32Array,
    onBatch: (count: number, first: number) => void,
    /** A get_host table's words: threaded mode (the receive slots are then two halves). */
    table?: Int32Array,
  ): number;
  /** Slots consumed from `first`, or -errno when the socket is not open. */
  flush(k: number, first: number): number;
  /** 1 sent, 0 would block, or -errno. */
  send(data: Uint8Array, ip: number, port: number): number;
  /** True when closing started; `onClosed` runs once the poll handle and fd are closed. */
  close(onClosed: () => void): boolean;
  ref(): void;
  unref(): void;
  stats(): NativeStats;
}

export interface UdpNativeBinding {
  Socket: new (slotBytes: number, maxBatchesPerWakeup: number) => NativeSocket;
  /** 32-bit words per metadata record, and the index of each field in it. */
  META_WORDS: number;
  META_LENGTH: number;
  META_ADDRESS: number;
  META_PORT: number;
  META_FLAGS: number;
  FLAG_TRUNCATED: number;
  TABLE: GetHostTableLayout;
}

/**
 * Where node-gyp puts the addon. src/ and dist/ are both one level below the
 * package, so the same relative path serves the sources and the build.
 */
export const NATIVE_BINARY_PATH = fileURLToPath(new URL('../build/Release/udp_batch.node', import.meta.url));

let loaded: UdpNativeBinding | BatchUdpError | undefined;

function unavailable(why: string, cause?: unknown): BatchUdpError {
  return new BatchUdpError(BatchUdpErrorCode.NATIVE_UNAVAILABLE, `@lars/udp-native: ${why}`, { cause });
}

function tryLoad(): UdpNativeBinding | BatchUdpError {
  // recvmmsg/sendmmsg are Linux system calls.
  if (process.platform !== 'linux') return unavailable(`needs Linux, this is ${process.platform}`);
  if (!existsSync(NATIVE_BINARY_PATH)) {
    return unavailable(`addon not built (no ${NATIVE_BINARY_PATH}); run scripts/build-native.sh`);
  }
  try {
    return createRequire(import.meta.url)(NATIVE_BINARY_PATH) as UdpNativeBinding;
  } catch (err) {
    return unavailable(`addon failed to load: ${(err as Error).message}`, err);
  }
}

/**
 * The addon, loaded once per thread (each worker loads its own instance).
 * Throws BatchUdpError NATIVE_UNAVAILABLE saying why it cannot be loaded; the
 * outcome is remembered, so a caller can fall back to node:dgram cheaply.
 */
export function loadUdpNative(): UdpNativeBinding {
  loaded ??= tryLoad();
  if (loaded instanceof BatchUdpError) throw loaded;
  return loaded;
}

/** Why the addon cannot be loaded, or undefined when it can. */
export function udpNativeLoadError(): BatchUdpError | undefined {
  loaded ??= tryLoad();
  return loaded instanceof BatchUdpError ? loaded : undefined;
}
