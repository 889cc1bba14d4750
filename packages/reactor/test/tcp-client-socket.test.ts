import { createServer, Socket, type AddressInfo, type Server } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode, LarsError, MAX_BODY_BYTES, MessageRouter, SendOutcome } from '@lars/wire';
import { TcpClient } from '../src/tcp-client.js';
import type { TcpConnection } from '../src/tcp-connection.js';
import { until } from '../../../test-support/wait.js';

/** A plain TCP server whose accepted sockets are kept (and can be paused before they are read). */
async function rawServer(pause: boolean): Promise<{ server: Server; port: number; sockets: Socket[] }> {
  const sockets: Socket[] = [];
  const server = createServer((s) => {
    sockets.push(s);
    s.on('data', () => {});
    if (pause) s.pause();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, sockets };
}

async function stop(server: Server, sockets: Socket[]): Promise<void> {
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** The setKeepAlive calls made on client sockets connected to `port` (the server's own sockets are left out). */
function keepAliveCalls(spy: ReturnType<typeof spyKeepAlive>, port: number): unknown[][] {
  return spy.mock.calls.filter((_, i) => (spy.mock.contexts[i] as Socket).remotePort === port);
}

function spyKeepAlive() {
  return vi.spyOn(Socket.prototype, 'setKeepAlive');
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('TcpClient sockets', () => {
  it('turns TCP keepalive on for every connection, 15 s idle by default', async () => {
    const spy = spyKeepAlive();
    const { server, port, sockets } = await rawServer(false);
    const client = new TcpClient(new MessageRouter<TcpConnection>(), { port, backoff: { initialMs: 10, maxMs: 20 } });
    try {
      client.connect();
      await client.whenConnected();
      expect(keepAliveCalls(spy, port)).toEqual([[true, 15_000]]);
      // A reconnect gets it too.
      sockets[0].destroy();
      await until(() => client.stats().connects === 2, 'the reconnect');
      expect(keepAliveCalls(spy, port)).toEqual([
        [true, 15_000],
        [true, 15_000],
      ]);
    } finally {
      await client.close();
      await stop(server, sockets);
    }
  });

  it('takes keepAliveMs, 0 turning it off, and validates it', async () => {
    const spy = spyKeepAlive();
    const { server, port, sockets } = await rawServer(false);
    const set = new TcpClient(new MessageRouter<TcpConnection>(), { port, keepAliveMs: 2_000 });
    const off = new TcpClient(new MessageRouter<TcpConnection>(), { port, keepAliveMs: 0 });
    try {
      set.connect();
      await set.whenConnected();
      off.connect();
      await off.whenConnected();
      expect(keepAliveCalls(spy, port)).toEqual([[true, 2_000]]);
    } finally {
      await set.close();
      await off.close();
      await stop(server, sockets);
    }
    for (const keepAliveMs of [-1, 1.5]) {
      let caught: unknown;
      try {
        new TcpClient(new MessageRouter<TcpConnection>(), { port: 1, keepAliveMs });
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(LarsError);
      expect((caught as LarsError).code).toBe(ErrorCode.BAD_OPTION);
      expect((caught as Error).message).toContain('keepAliveMs');
    }
  });

  it('calls onDrain once output that had to wait has all gone to the kernel', async () => {
    const { server, port, sockets } = await rawServer(true);
    const drains: number[] = [];
    const client = new TcpClient(new MessageRouter<TcpConnection>(), {
      port,
      maxOutputBytes: 32 * 1024 * 1024,
      onDrain: (conn) => drains.push(conn.outputBytes),
    });
    try {
      client.connect();
      const conn = await client.whenConnected();
      const body = new Uint8Array(MAX_BODY_BYTES);
      // More than the kernel buffers of a peer that does not read: some waits in the socket's output.
      while (conn.outputBytes === 0) expect(client.sendRaw(1, body)).toBe(SendOutcome.SENT);
      expect(drains).toEqual([]);
      await until(() => sockets.length === 1, 'the accepted socket');
      sockets[0].resume();
      await until(() => drains.length === 1, 'the drain');
      expect(drains).toEqual([0]);
    } finally {
      await client.close();
      await stop(server, sockets);
    }
  });
});
