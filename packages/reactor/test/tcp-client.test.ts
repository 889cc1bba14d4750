import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { MessageId } from '@lars/proto';
import { Backoff } from '../src/backoff.js';
import { ErrorCode, LarsError } from '@lars/wire';
import { MessageRouter } from '@lars/wire';
import { SendOutcome } from '@lars/wire';
import { TcpClient, WhileDisconnected } from '../src/tcp-client.js';
import type { TcpConnection } from '../src/tcp-connection.js';
import { TcpServer } from '../src/tcp-server.js';
import { until } from '../../../test-support/wait.js';

type Conn = TcpConnection;

/** A port nothing listens on (bound once by the OS, then released). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A server that records ReportRequest modids and answers GetRouteRequest. */
function recordingServer(port: number, seen: number[]): TcpServer {
  const router = new MessageRouter<Conn>()
    .on(MessageId.ReportRequest, (msg) => {
      seen.push(msg.modid);
    })
    .on(MessageId.GetRouteRequest, (msg, _id, conn) => {
      conn.send(MessageId.GetRouteResponse, { modid: msg.modid, cmdid: msg.cmdid });
    });
  return new TcpServer(router, { port });
}

/** A client router that collects GetRouteResponse modids. */
function replyRouter(replies: number[]): MessageRouter<Conn> {
  return new MessageRouter<Conn>().on(MessageId.GetRouteResponse, (msg) => {
    replies.push(msg.modid);
  });
}

/** A Backoff without jitter whose delays are recorded. */
function recordedBackoff(delays: number[]): Backoff {
  const backoff = new Backoff({ initialMs: 10, maxMs: 80, factor: 2, jitter: 0 });
  const next = backoff.next.bind(backoff);
  backoff.next = () => {
    const d = next();
    delays.push(d);
    return d;
  };
  return backoff;
}

describe('TcpClient', () => {
  it('connects, runs hooks, dispatches replies through its router', async () => {
    const seen: number[] = [];
    const server = recordingServer(0, seen);
    const { port } = await server.listen();
    const events: string[] = [];
    const replies: number[] = [];
    const client = new TcpClient(replyRouter(replies), {
      port,
      onConnect: (conn) => events.push(`connect ${conn.id}`),
      onClose: (conn) => events.push(`close ${conn.id}`),
    });
    try {
      client.connect();
      await client.whenConnected();
      expect(client.send(MessageId.GetRouteRequest, { modid: 4, cmdid: 1 })).toBe(SendOutcome.SENT);
      await until(() => replies.length === 1);
      expect(replies).toEqual([4]);
      expect(client.stats()).toMatchObject({ connected: true, connects: 1, framesOut: 1, framesIn: 1 });
    } finally {
      await client.close();
      await server.close();
    }
    expect(events).toEqual(['connect 1', 'close 1']);
  });

  it('reconnects with growing delays after the server goes away, and resumes when it is back', async () => {
    const seen: number[] = [];
    let server = recordingServer(0, seen);
    const { port } = await server.listen();
    const delays: number[] = [];
    // stableAfterMs 0: the first connection counts as stable, so its loss starts from initialMs.
    const client = new TcpClient(replyRouter([]), { port, backoff: recordedBackoff(delays), stableAfterMs: 0 });
    try {
      client.connect();
      await client.whenConnected();
      client.send(MessageId.ReportRequest, { modid: 1 });
      await until(() => seen.length === 1);

      await server.close();
      await until(() => client.stats().connectFailures >= 4);
      expect(client.stats()).toMatchObject({ connected: false, disconnects: 1 });
      // Sent while the server is down: queued, not lost.
      expect(client.send(MessageId.ReportRequest, { modid: 2 })).toBe(SendOutcome.QUEUED);

      server = recordingServer(port, seen);
      await server.listen();
      await client.whenConnected();
      client.send(MessageId.ReportRequest, { modid: 3 });
      await until(() => seen.length === 3);
      expect(seen).toEqual([1, 2, 3]);

      expect(delays.slice(0, 4)).toEqual([10, 20, 40, 80]);
      for (let i = 1; i < delays.length; i++) expect(delays[i]).toBeGreaterThanOrEqual(delays[i - 1]);
      expect(Math.max(...delays)).toBe(80);
      expect(client.stats()).toMatchObject({ connects: 2, connected: true, queuedFrames: 0, rejectedSends: 0 });
    } finally {
      await client.close();
      await server.close();
    }
  });

  it('queues while disconnected up to the bound, rejects past it, flushes in order on connect', async () => {
    const port = await freePort();
    const client = new TcpClient(replyRouter([]), {
      port,
      backoff: { initialMs: 5, maxMs: 20, jitter: 0 },
      // ReportRequest{modid: n} is 2 bytes of body: 10 bytes per frame.
      maxQueuedBytes: 35,
    });
    const seen: number[] = [];
    const server = recordingServer(port, seen);
    try {
      client.connect();
      const outcomes = [1, 2, 3, 4].map((modid) => client.send(MessageId.ReportRequest, { modid }));
      expect(outcomes).toEqual([SendOutcome.QUEUED, SendOutcome.QUEUED, SendOutcome.QUEUED, SendOutcome.REJECTED]);
      expect(client.stats()).toMatchObject({ queuedFrames: 3, queuedBytes: 30, rejectedSends: 1 });

      await server.listen();
      await client.whenConnected();
      expect(client.send(MessageId.ReportRequest, { modid: 5 })).toBe(SendOutcome.SENT);
      await until(() => seen.length === 4);
      expect(seen).toEqual([1, 2, 3, 5]);
      expect(client.stats()).toMatchObject({ queuedFrames: 0, queuedBytes: 0, rejectedSends: 1 });
    } finally {
      await client.close();
      await server.close();
    }
  });

  it("with 'drop-oldest' drops the oldest queued frames to make room, counts them, and flushes the newest", async () => {
    const port = await freePort();
    const client = new TcpClient(replyRouter([]), {
      port,
      backoff: { initialMs: 5, maxMs: 20, jitter: 0 },
      whileDisconnected: WhileDisconnected.DROP_OLDEST,
      maxQueuedBytes: 35,
    });
    const seen: number[] = [];
    const server = recordingServer(port, seen);
    try {
      client.connect();
      const outcomes = [1, 2, 3, 4, 5].map((modid) => client.send(MessageId.ReportRequest, { modid }));
      expect(outcomes).toEqual(Array(5).fill(SendOutcome.QUEUED));
      expect(client.stats()).toMatchObject({ queuedFrames: 3, queuedBytes: 30, droppedOldest: 2, rejectedSends: 0 });
      await server.listen();
      await client.whenConnected();
      await until(() => seen.length === 3);
      expect(seen).toEqual([3, 4, 5]);
    } finally {
      await client.close();
      await server.close();
    }
  });

  it("rejects at once while disconnected with whileDisconnected 'reject', and counts it", async () => {
    const port = await freePort();
    const client = new TcpClient(replyRouter([]), {
      port,
      whileDisconnected: 'reject',
      backoff: { initialMs: 5, maxMs: 20 },
    });
    const seen: number[] = [];
    const server = recordingServer(port, seen);
    try {
      client.connect();
      expect(client.send(MessageId.ReportRequest, { modid: 1 })).toBe(SendOutcome.REJECTED);
      expect(client.send(MessageId.ReportRequest, { modid: 2 })).toBe(SendOutcome.REJECTED);
      expect(client.stats()).toMatchObject({ queuedFrames: 0, rejectedSends: 2 });
      await server.listen();
      await client.whenConnected();
      expect(client.send(MessageId.ReportRequest, { modid: 3 })).toBe(SendOutcome.SENT);
      await until(() => seen.length === 1);
      expect(seen).toEqual([3]);
    } finally {
      await client.close();
      await server.close();
    }
  });

  it('counts what close() drops and refuses sends afterwards', async () => {
    const port = await freePort();
    const client = new TcpClient(replyRouter([]), { port, backoff: { initialMs: 5, maxMs: 20 } });
    client.connect();
    client.send(MessageId.ReportRequest, { modid: 1 });
    client.send(MessageId.ReportRequest, { modid: 2 });
    await client.close();
    expect(client.send(MessageId.ReportRequest, { modid: 3 })).toBe(SendOutcome.CLOSED);
    expect(client.stats()).toMatchObject({ droppedOnClose: 2, rejectedSends: 1, queuedFrames: 0 });
    const err = await client.whenConnected().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LarsError);
    expect((err as LarsError).code).toBe(ErrorCode.CLOSED);
  });

  it('rotates through its addresses on failure and follows setAddresses', async () => {
    const dead = await freePort();
    const seenA: number[] = [];
    const seenB: number[] = [];
    const a = recordingServer(0, seenA);
    const b = recordingServer(0, seenB);
    const portA = (await a.listen()).port;
    const portB = (await b.listen()).port;
    const client = new TcpClient(replyRouter([]), {
      addresses: [
        { host: '127.0.0.1', port: dead },
        { host: '127.0.0.1', port: portA },
      ],
      backoff: { initialMs: 5, maxMs: 20 },
    });
    try {
      client.connect();
      await client.whenConnected();
      expect(client.address.port).toBe(portA);
      expect(client.stats().connectFailures).toBe(1);

      client.setAddresses([{ host: '127.0.0.1', port: portB }]);
      expect(client.address.port).toBe(portA);
      await a.close();
      await until(() => client.stats().disconnects === 1);
      await client.whenConnected();
      expect(client.address.port).toBe(portB);
      client.send(MessageId.ReportRequest, { modid: 9 });
      await until(() => seenB.length === 1);
      expect(seenB).toEqual([9]);
      expect(seenA).toEqual([]);
    } finally {
      await client.close();
      await a.close();
      await b.close();
    }
  });

  it('validates its options', () => {
    const bad = [
      {},
      { port: 70000 },
      { port: 1, whileDisconnected: 'drop' as 'queue' },
      { port: 1, maxQueuedBytes: 8 << 20 },
    ];
    for (const opts of bad) {
      let caught: unknown;
      try {
        new TcpClient(new MessageRouter<Conn>(), opts);
      } catch (err) {
        caught = err;
      }
      expect((caught as LarsError).code).toBe(ErrorCode.BAD_OPTION);
    }
  });
});
