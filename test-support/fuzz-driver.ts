// Sends fuzz inputs (fuzz-inputs.ts) to a daemon port and tallies what the
// reference decoder says the daemon must count; reads a process's RSS and the
// kernel's UDP drop count for the accounting around a run.
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import type { FuzzInput } from './fuzz-inputs.js';
import { classifyDatagram, classifyStream, type DatagramVerdict, type FrameVerdict } from './fuzz-reference.js';

/** What a TCP daemon must have counted for the inputs a run sent (TcpServer.stats() names). */
export interface TcpExpectation {
  /** Connections the run opened. */
  connections: number;
  /** Whole frames (framesIn): valid + unknownMsgid + badBody. */
  framesIn: number;
  valid: number;
  unknownMsgid: number;
  badBody: number;
  /** Inputs that end in a malformed header (one connection each, closed by the daemon). */
  badFrames: number;
  /** Inputs that end inside a frame (one connection each, ended by the sender). */
  truncatedFrames: number;
  /** The valid frames, in the order sent (per connection; shared connections first). */
  validFrames: Array<Extract<FrameVerdict, { kind: 'valid' }>>;
  /** Of `valid`, those on the shared connections (which are read to their end). */
  validOnShared: number;
  /** Frames the daemon wrote back on the shared connections (replies to their valid requests). */
  repliesOnShared: number;
}

export interface TcpFuzzOptions {
  /** Msgids the port handles (the rest are unknownMsgid). */
  handled: ReadonlySet<number>;
  /** Clean inputs per shared connection. */
  perConnection?: number;
  /**
   * Connections open at once. Kept small: `[reactor] max_conn_per_ip` limits
   * one address, and a refused connection would not be read at all.
   */
  parallel?: number;
}

const DEFAULTS = { perConnection: 2_000, parallel: 4 } as const;

/** Frames in a byte stream of well-formed frames (the daemon's replies). */
function countFrames(bytes: Buffer): number {
  let n = 0;
  let pos = 0;
  while (bytes.length - pos >= 8) {
    pos += 8 + bytes.readInt32LE(pos + 4);
    if (pos <= bytes.length) n++;
  }
  return n;
}

/** Connects, writes `bytes`, ends, and resolves with what came back once the socket closed. */
function exchange(port: number, bytes: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket: Socket = connect({ host: '127.0.0.1', port });
    let connected = false;
    socket.on('connect', () => {
      connected = true;
      socket.end(bytes);
    });
    socket.on('data', (d: Buffer) => chunks.push(d));
    // The daemon resets a connection with a bad header while we may still be writing: expected.
    socket.on('error', (err) => {
      if (!connected) reject(err);
    });
    socket.on('close', () => resolve(Buffer.concat(chunks)));
  });
}

async function inParallel<T>(items: readonly T[], parallel: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await run(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(parallel, items.length) }, lane));
}

/**
 * Sends every input to `port`: inputs whose stream ends cleanly share
 * connections (perConnection each, concatenated, so frames cross segment
 * boundaries anywhere), every other input gets its own, since a bad header
 * closes the connection and a cut frame swallows what follows. Resolves once
 * every connection has closed, with what the daemon must have counted.
 */
export async function sendTcpFuzz(
  port: number,
  inputs: readonly FuzzInput[],
  options: TcpFuzzOptions,
): Promise<TcpExpectation> {
  const perConnection = options.perConnection ?? DEFAULTS.perConnection;
  const parallel = options.parallel ?? DEFAULTS.parallel;
  const out: TcpExpectation = {
    connections: 0,
    framesIn: 0,
    valid: 0,
    unknownMsgid: 0,
    badBody: 0,
    badFrames: 0,
    truncatedFrames: 0,
    validFrames: [],
    validOnShared: 0,
    repliesOnShared: 0,
  };
  const clean: Buffer[] = [];
  const alone: Buffer[] = [];
  for (const input of inputs) {
    const verdict = classifyStream(input.bytes, options.handled);
    for (const frame of verdict.frames) {
      out.framesIn++;
      if (frame.kind === 'valid') {
        out.valid++;
        out.validFrames.push(frame);
      } else out[frame.kind]++;
    }
    if (verdict.end === 'clean') {
      clean.push(input.bytes);
      out.validOnShared += verdict.frames.filter((f) => f.kind === 'valid').length;
    } else {
      alone.push(input.bytes);
      if (verdict.end === 'badHeader') out.badFrames++;
      else out.truncatedFrames++;
    }
  }
  const shared: Buffer[] = [];
  for (let i = 0; i < clean.length; i += perConnection) shared.push(Buffer.concat(clean.slice(i, i + perConnection)));
  out.connections = shared.length + alone.length;
  await inParallel(shared, parallel, async (bytes) => {
    const got = await exchange(port, bytes);
    out.repliesOnShared += countFrames(got);
  });
  await inParallel(alone, parallel, async (bytes) => {
    await exchange(port, bytes);
  });
  return out;
}

/** VmRSS of process `pid`, in kB (Linux /proc). */
export function rssKb(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (m === null) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(m[1]);
}

/**
 * The kernel's drop count (/proc/net/udp `drops`) of the IPv4 UDP socket
 * bound to 127.0.0.1:`port`: datagrams that reached the port but not the
 * daemon (its receive buffer was full).
 */
export function udpDrops(port: number): number {
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  for (const line of readFileSync('/proc/net/udp', 'utf8').split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    if (cols[1] === local) return Number(cols[cols.length - 1]);
  }
  throw new Error(`no UDP socket on 127.0.0.1:${port} in /proc/net/udp`);
}

export interface UdpFuzzOptions {
  handled: ReadonlySet<number>;
  /** Datagrams sent before each marker; the receive buffer must hold this many. */
  window?: number;
  /** A request the daemon answers, carrying `seq`: sent after each window (it is an input too). */
  marker: (seq: number) => Buffer;
  /** The seq of `reply` when it answers a marker, else null. */
  markerSeq: (reply: Buffer) => number | null;
  /** How long to wait for a marker's answer before sending another (a lost datagram). */
  markerWaitMs?: number;
}

/** What a UDP port must have counted: one verdict per datagram sent, markers included. */
export interface UdpExpectation {
  verdicts: DatagramVerdict[];
  markers: number;
}

const UDP_DEFAULTS = { window: 64, markerWaitMs: 1_000 } as const;

/**
 * Sends every input to `port` as one datagram, paced: after each window a
 * marker request, and the next window only once the marker is answered, so
 * the daemon has read every earlier datagram (one socket's datagrams are read
 * in order) and its receive buffer never holds more than a window. A marker
 * not answered in markerWaitMs is sent again (with a new seq); every marker
 * sent is in the verdicts.
 */
export async function sendUdpFuzz(
  port: number,
  inputs: readonly FuzzInput[],
  options: UdpFuzzOptions,
): Promise<UdpExpectation> {
  const window = options.window ?? UDP_DEFAULTS.window;
  const waitMs = options.markerWaitMs ?? UDP_DEFAULTS.markerWaitMs;
  const socket = createSocket('udp4');
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  socket.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  let answered = -1;
  let wake: (() => void) | null = null;
  let seq = 0;
  socket.on('message', (msg: Buffer) => {
    const answer = options.markerSeq(msg);
    // Only a marker already sent counts: anything else in the reply is no proof of pacing.
    if (answer === null || answer > seq) return;
    answered = Math.max(answered, answer);
    wake?.();
  });
  // A refused datagram (ICMP) must not fail the run; the daemon is there.
  socket.on('error', () => undefined);
  const send = (bytes: Buffer) => new Promise<void>((resolve) => socket.send(bytes, () => resolve()));
  const out: UdpExpectation = { verdicts: [], markers: 0 };
  try {
    for (let i = 0; i < inputs.length; i += window) {
      for (const input of inputs.slice(i, i + window)) {
        out.verdicts.push(classifyDatagram(input.bytes, options.handled));
        await send(input.bytes);
      }
      for (;;) {
        const marker = options.marker(++seq);
        out.verdicts.push(classifyDatagram(marker, options.handled));
        out.markers++;
        const got = new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, waitMs).unref();
        });
        await send(marker);
        if (answered < seq) await got;
        wake = null;
        if (answered >= seq) break;
      }
    }
  } finally {
    socket.close();
  }
  return out;
}
