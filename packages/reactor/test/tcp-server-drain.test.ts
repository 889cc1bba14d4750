import { describe, expect, it, vi } from 'vitest';
import { MessageId, encodeBody } from '@lars/proto';
import { MessageRouter, encodeFrame } from '@lars/wire';
import type { TcpConnection } from '../src/tcp-connection.js';
import { TcpServer } from '../src/tcp-server.js';
import { GuardPeer } from '../../../test-support/guard-peer.js';

/** K ReportRequest frames in one buffer, modid 1..K. */
function reports(k: number): Buffer {
  const frames: Buffer[] = [];
  for (let modid = 1; modid <= k; modid++) {
    frames.push(encodeFrame(MessageId.ReportRequest, encodeBody(MessageId.ReportRequest, { modid, cmdid: 7 })));
  }
  return Buffer.concat(frames);
}

/** A server whose router counts the ReportRequests of each connection. */
function countingServer(): { server: TcpServer; seen: Map<number, number> } {
  const seen = new Map<number, number>();
  const router = new MessageRouter<TcpConnection>().on(MessageId.ReportRequest, (_msg, _id, conn) => {
    seen.set(conn.id, (seen.get(conn.id) ?? 0) + 1);
  });
  return { server: new TcpServer(router), seen };
}

// Big enough that the socket buffers still hold most of it when the client's
// write has drained into the kernel: close() here loses part of it.
const K = 50_000;

describe('TcpServer.drain', () => {
  it('dispatches every frame a peer sent before drain(), then closes', async () => {
    const { server, seen } = countingServer();
    const { port } = await server.listen();
    const peers = [await GuardPeer.open(port), await GuardPeer.open(port), await GuardPeer.open(port)];
    const idle = await GuardPeer.open(port);
    await vi.waitFor(() => expect(server.stats().accepted).toBe(4));
    const batch = reports(K);
    // Each write resolves once all of it is in the kernel, not once the server read it.
    await Promise.all(peers.map((p) => p.write(batch)));
    await server.drain();
    expect([...seen.values()]).toEqual([K, K, K]);
    expect(server.stats()).toMatchObject({ framesIn: 3 * K, connections: 0 });
    await Promise.all([...peers, idle].map((p) => p.closed));
    // close() after drain() has nothing left to do.
    await server.close();
  });

  it('refuses new connections once drain() began', async () => {
    const { server } = countingServer();
    const { port } = await server.listen();
    const early = await GuardPeer.open(port);
    await vi.waitFor(() => expect(server.stats().accepted).toBe(1));
    const drained = server.drain();
    await expect(GuardPeer.open(port)).rejects.toThrow(/ECONNREFUSED/);
    await drained;
    await early.closed;
    expect(server.stats()).toMatchObject({ accepted: 1, connections: 0 });
  });
});
