import { execFile } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { promisify } from 'node:util';
import type { Worker } from 'node:worker_threads';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { spawnWorker } from '@lars/reactor';
import { BatchUdpError, BatchUdpErrorCode, BatchUdpSocket, ipv4ToU32, u32ToIpv4 } from '../src/index.js';
import type { EchoWorkerCommand, EchoWorkerData, EchoWorkerDone, EchoWorkerReady } from './fixtures/echo-worker.js';
import { ensureNativeBuilt } from './native-ready.js';
import { SOURCE_NODE_ARGS } from '../../../test-support/source-node.js';

const ECHO_WORKER = new URL('./fixtures/echo-worker.ts', import.meta.url);
const LOOPBACK = '127.0.0.1';
/** The largest IPv4 UDP payload. */
const MAX_DATAGRAM = 65507;
/** Datagrams sent before waiting for them: well under a default SO_RCVBUF, so none is dropped. */
const WINDOW = 32;

const wait = { timeout: 20_000, interval: 5 };
const closers: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

function socket(options: ConstructorParameters<typeof BatchUdpSocket>[0] = {}): BatchUdpSocket {
  const s = new BatchUdpSocket(options);
  closers.push(() => s.close());
  return s;
}

async function client(): Promise<Socket> {
  const c = createSocket('udp4');
  closers.push(() => new Promise<void>((resolve) => c.close(() => resolve())));
  await new Promise<void>((resolve) => c.bind(0, LOOPBACK, resolve));
  return c;
}

/** Datagram `seq`: its number, then `seq % 300` bytes derived from it, so every one differs in length and content. */
function payload(seq: number): Buffer {
  const b = Buffer.alloc(4 + (seq % 300));
  b.writeUInt32LE(seq, 0);
  for (let i = 4; i < b.length; i++) b[i] = (seq * 31 + i) & 255;
  return b;
}

function send(c: Socket, data: Uint8Array, port: number): Promise<void> {
  return new Promise((resolve, reject) => c.send(data, port, LOOPBACK, (err) => (err ? reject(err) : resolve())));
}

/** Sends payload(0..n-1) in windows, waiting until `received()` catches up before the next. */
async function sendAll(c: Socket, port: number, n: number, received: () => number): Promise<void> {
  for (let seq = 0; seq < n; seq += WINDOW) {
    const end = Math.min(n, seq + WINDOW);
    await Promise.all(Array.from({ length: end - seq }, (_, k) => send(c, payload(seq + k), port)));
    await vi.waitFor(() => expect(received()).toBeGreaterThanOrEqual(end), wait);
  }
}

/** The first message of a worker; rejects if it errors or exits first. */
function firstMessage<T>(worker: Worker): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    worker.once('message', (m: T) => resolve(m));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`worker exited (${code}) before answering`)));
  });
}

beforeAll(() => {
  ensureNativeBuilt();
});

describe('BatchUdpSocket', () => {
  it('loads the addon', () => {
    expect(BatchUdpSocket.load()).toBe(true);
    expect(BatchUdpSocket.loadError()).toBeUndefined();
  });

  it('receives every datagram exactly once, with its bytes, length and source', async () => {
    const server = socket();
    const got = new Map<number, Buffer>();
    const sources = new Set<string>();
    let duplicates = 0;
    server.onBatch((count) => {
      for (let i = 0; i < count; i++) {
        const data = Buffer.from(server.packet(i));
        const seq = data.readUInt32LE(0);
        if (got.has(seq)) duplicates++;
        got.set(seq, data);
        expect(server.length(i)).toBe(data.length);
        expect(server.truncated(i)).toBe(false);
        sources.add(`${u32ToIpv4(server.address(i))}:${server.sourcePort(i)}`);
      }
    });
    const port = server.bind(LOOPBACK, 0);
    expect(port).toBeGreaterThan(0);
    expect(server.boundPort).toBe(port);
    const c = await client();
    const n = 1000;
    await sendAll(c, port, n, () => got.size);
    expect(duplicates).toBe(0);
    expect(got.size).toBe(n);
    for (let seq = 0; seq < n; seq++) expect(got.get(seq)).toEqual(payload(seq));
    expect([...sources]).toEqual([`${LOOPBACK}:${c.address().port}`]);
    const stats = server.stats();
    expect(stats).toMatchObject({ datagramsIn: n, truncated: 0, recvErrors: 0, unhandled: 0 });
    // Datagrams that arrive together are delivered together.
    expect(stats.batches).toBeLessThan(n);
  });

  it('echoes each batch back with one flush, and every reply arrives', async () => {
    const server = socket();
    let flushed = 0;
    server.onBatch((count) => {
      for (let i = 0; i < count; i++)
        server.writeOutgoing(i, server.packet(i), server.address(i), server.sourcePort(i));
      flushed += server.flush(count);
    });
    const port = server.bind();
    const c = await client();
    const replies = new Map<number, Buffer>();
    c.on('message', (msg) => replies.set(msg.readUInt32LE(0), msg));
    const n = 600;
    await sendAll(c, port, n, () => replies.size);
    expect(flushed).toBe(n);
    for (let seq = 0; seq < n; seq++) expect(replies.get(seq)).toEqual(payload(seq));
    expect(server.stats()).toMatchObject({ datagramsIn: n, datagramsOut: n, sendErrors: 0 });
  });

  it('carries zero-length and maximum-size datagrams both ways', async () => {
    const server = socket({ slotBytes: 65536, recvSlots: 4, sendSlots: 4 });
    const lengths: number[] = [];
    server.onBatch((count) => {
      for (let i = 0; i < count; i++) {
        lengths.push(server.length(i));
        expect(server.truncated(i)).toBe(false);
        server.writeOutgoing(i, server.packet(i), server.address(i), server.sourcePort(i));
      }
      expect(server.flush(count)).toBe(count);
    });
    const port = server.bind();
    const c = await client();
    const replies: Buffer[] = [];
    c.on('message', (msg) => replies.push(msg));
    const big = Buffer.alloc(MAX_DATAGRAM, 0xab);
    big.writeUInt32LE(0xdeadbeef, MAX_DATAGRAM - 4);
    await send(c, Buffer.alloc(0), port);
    await vi.waitFor(() => expect(replies).toHaveLength(1), wait);
    await send(c, big, port);
    await vi.waitFor(() => expect(replies).toHaveLength(2), wait);
    expect(lengths).toEqual([0, MAX_DATAGRAM]);
    expect(replies[0]).toHaveLength(0);
    expect(replies[1]).toEqual(big);
  });

  it('cuts a datagram longer than its slot and flags it', async () => {
    const server = socket({ slotBytes: 1024 });
    const seen: { length: number; truncated: boolean; head: number }[] = [];
    server.onBatch((count) => {
      for (let i = 0; i < count; i++) {
        seen.push({ length: server.length(i), truncated: server.truncated(i), head: server.packet(i)[0] });
      }
    });
    const port = server.bind();
    const c = await client();
    await send(c, Buffer.alloc(2000, 7), port);
    await send(c, Buffer.alloc(1024, 8), port);
    await vi.waitFor(() => expect(seen).toHaveLength(2), wait);
    expect(seen).toEqual([
      { length: 1024, truncated: true, head: 7 },
      { length: 1024, truncated: false, head: 8 },
    ]);
    expect(server.stats().truncated).toBe(1);
  });

  it('sends a single datagram with send()', async () => {
    const server = socket();
    server.bind();
    const c = await client();
    const got = once(c, 'message');
    expect(server.send(Buffer.from('ping'), LOOPBACK, c.address().port)).toBe(true);
    expect(server.send(new Uint8Array(0), ipv4ToU32(LOOPBACK), c.address().port)).toBe(true);
    const [msg, rinfo] = (await got) as [Buffer, { port: number }];
    expect(msg.toString()).toBe('ping');
    expect(rinfo.port).toBe(server.boundPort);
  });

  it('drops a datagram the kernel refuses and sends the rest of the batch', async () => {
    const server = socket({ sendSlots: 3 });
    server.bind();
    const c = await client();
    const replies: string[] = [];
    c.on('message', (msg) => replies.push(msg.toString()));
    const to = c.address().port;
    server.writeOutgoing(0, Buffer.from('a'), LOOPBACK, to);
    // Port 0 is no destination: sendmmsg fails this one datagram with EINVAL.
    server.writeOutgoing(1, Buffer.from('b'), LOOPBACK, 0);
    server.writeOutgoing(2, Buffer.from('c'), LOOPBACK, to);
    expect(server.flush(3)).toBe(3);
    await vi.waitFor(() => expect(replies.sort()).toEqual(['a', 'c']), wait);
    expect(server.stats()).toMatchObject({ datagramsOut: 2, sendErrors: 1 });
    expect(() => server.send(Buffer.from('d'), LOOPBACK, 0)).toThrowError(
      expect.objectContaining({ code: BatchUdpErrorCode.SEND_FAILED, errno: 'EINVAL' }),
    );
  });

  it('closes with datagrams pending, idempotently, and refuses use afterwards', async () => {
    const server = socket();
    let delivered = 0;
    server.onBatch((count) => {
      delivered += count;
    });
    const port = server.bind();
    const c = await client();
    await Promise.all(Array.from({ length: 200 }, (_, seq) => send(c, payload(seq), port)));
    const closed = server.close();
    expect(server.close()).toBe(closed);
    await closed;
    // Some may have been read before close(); none is delivered after it.
    expect(delivered).toBe(server.stats().datagramsIn);
    expect(() => server.flush(1)).toThrowError(expect.objectContaining({ code: BatchUdpErrorCode.CLOSED }));
    expect(() => server.bind()).toThrowError(expect.objectContaining({ code: BatchUdpErrorCode.CLOSED }));
    // The port is free again.
    const again = socket();
    expect(again.bind(LOOPBACK, port)).toBe(port);
  });

  it('delivers no batch after close() from inside a handler', async () => {
    const server = socket({ recvSlots: 4, maxBatchesPerWakeup: 8 });
    let batches = 0;
    let closed: Promise<void> | undefined;
    server.onBatch(() => {
      batches++;
      closed = server.close();
    });
    const port = server.bind();
    const c = await client();
    await Promise.all(Array.from({ length: 40 }, (_, seq) => send(c, payload(seq), port)));
    await vi.waitFor(() => expect(closed).toBeDefined(), wait);
    await closed;
    expect(batches).toBe(1);
  });

  it('closes a socket that was never bound', async () => {
    const s = new BatchUdpSocket();
    await s.close();
    expect(() => s.bind()).toThrowError(expect.objectContaining({ code: BatchUdpErrorCode.CLOSED }));
  });

  it('throws typed errors for bad options, a taken port and use before bind', () => {
    const bad = (options: ConstructorParameters<typeof BatchUdpSocket>[0]) => () => new BatchUdpSocket(options);
    const badOption = expect.objectContaining({ code: BatchUdpErrorCode.BAD_OPTION });
    expect(bad({ slotBytes: 0 })).toThrowError(badOption);
    expect(bad({ slotBytes: 65537 })).toThrowError(badOption);
    expect(bad({ recvSlots: 1.5 })).toThrowError(badOption);
    expect(bad({ recvBuffer: new ArrayBuffer(10) })).toThrowError(badOption);
    const s = socket();
    expect(() => s.flush(1)).toThrowError(expect.objectContaining({ code: BatchUdpErrorCode.NOT_CONNECTED }));
    expect(() => s.bind('localhost')).toThrowError(badOption);
    const port = s.bind();
    expect(() => s.flush(65)).toThrowError(badOption);
    expect(() => s.setOutgoing(0, 4097, LOOPBACK, 1)).toThrowError(badOption);
    const taken = socket();
    let err: unknown;
    try {
      taken.bind(LOOPBACK, port);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BatchUdpError);
    expect(err).toMatchObject({ code: BatchUdpErrorCode.BIND_FAILED, errno: 'EADDRINUSE' });
  });

  it('receives into caller-supplied SharedArrayBuffer slots', async () => {
    const recvBuffer = new SharedArrayBuffer(8 * 512);
    const server = socket({ slotBytes: 512, recvSlots: 8, recvBuffer });
    const seen: number[] = [];
    server.onBatch((count) => {
      for (let i = 0; i < count; i++) seen.push(new DataView(recvBuffer, i * 512).getUint32(0, true));
    });
    const port = server.bind();
    const c = await client();
    await send(c, payload(42), port);
    await vi.waitFor(() => expect(seen).toEqual([42]), wait);
    expect(server.recvData.buffer).toBe(recvBuffer);
  });

  it('lets the process exit while bound after unref()', async () => {
    const script = [
      `import { BatchUdpSocket } from ${JSON.stringify(new URL('../src/index.ts', import.meta.url).href)};`,
      'const s = new BatchUdpSocket();',
      "s.bind('127.0.0.1', 0);",
      's.unref();',
      "process.on('exit', () => console.log('exited'));",
    ].join('\n');
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [...SOURCE_NODE_ARGS, '--input-type=module', '-e', script],
      { timeout: 20_000 },
    );
    expect(stdout.trim()).toBe('exited');
  });

  it('works in two worker threads at once, each with its own socket and loop', async () => {
    const workers = [1, 2].map((tag) => spawnWorker(ECHO_WORKER, { workerData: { tag } satisfies EchoWorkerData }));
    closers.push(async () => {
      for (const w of workers) await w.terminate();
    });
    const ports = (await Promise.all(workers.map((w) => firstMessage<EchoWorkerReady>(w)))).map((r) => r.port);
    expect(new Set(ports).size).toBe(2);
    const c = await client();
    const replies = new Map<number, Set<number>>([
      [1, new Set()],
      [2, new Set()],
    ]);
    c.on('message', (msg) => {
      const tag = msg[0];
      const body = msg.subarray(1);
      expect(body).toEqual(payload(body.readUInt32LE(0)));
      replies.get(tag)!.add(body.readUInt32LE(0));
    });
    const n = 300;
    await Promise.all([
      sendAll(c, ports[0], n, () => replies.get(1)!.size),
      sendAll(c, ports[1], n, () => replies.get(2)!.size),
    ]);
    expect(replies.get(1)!.size).toBe(n);
    expect(replies.get(2)!.size).toBe(n);

    // Worker 1 closes its socket, and then its loop has nothing left: it
    // exits by itself. Worker 2 is terminated with its socket still open,
    // which the addon's environment cleanup hook closes.
    const exited = workers.map((w) => once(w, 'exit'));
    const done1 = firstMessage<EchoWorkerDone>(workers[0]);
    workers[0].postMessage('close' satisfies EchoWorkerCommand);
    expect(await done1).toMatchObject({ datagramsIn: n });
    expect(await exited[0]).toEqual([0]);
    const done2 = firstMessage<EchoWorkerDone>(workers[1]);
    workers[1].postMessage('leave' satisfies EchoWorkerCommand);
    expect(await done2).toMatchObject({ datagramsIn: n });
    await workers[1].terminate();
    await exited[1];
    // Both ports were released.
    for (const port of ports) expect(socket().bind(LOOPBACK, port)).toBe(port);
  });
});
