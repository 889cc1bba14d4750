import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { MessageId } from '@lars/proto';
import { MAX_BODY_BYTES, encodeFrame } from '@lars/wire';
import { MessageRouter } from '@lars/wire';
import { SendOutcome } from '@lars/wire';
import type { TcpConnection } from '../src/tcp-connection.js';
import { TcpServer } from '../src/tcp-server.js';
import type { TcpServerOptions } from '../src/tcp-server.js';
import { TcpTestPeer } from './tcp-test-peer.js';

type Conn<Ctx = unknown> = TcpConnection<Ctx>;

/** A router that answers GetRouteRequest with GetRouteResponse{modid, cmdid}. */
function echoRouteRouter<Ctx>(): MessageRouter<Conn<Ctx>> {
  return new MessageRouter<Conn<Ctx>>().on(MessageId.GetRouteRequest, (msg, _msgid, conn) => {
    conn.send(MessageId.GetRouteResponse, { modid: msg.modid, cmdid: msg.cmdid });
  });
}

async function withServer<Ctx>(
  router: MessageRouter<Conn<Ctx>>,
  options: TcpServerOptions<Ctx>,
  body: (server: TcpServer<Ctx>, port: number) => Promise<void>,
): Promise<void> {
  const server = new TcpServer<Ctx>(router, options);
  const { port } = await server.listen();
  try {
    await body(server, port);
  } finally {
    await server.close();
  }
}

/** Sends GetRouteRequest{modid} and waits for the reply; returns the reply's modid. */
async function roundTrip(peer: TcpTestPeer, modid: number): Promise<number> {
  const index = peer.frames.length;
  peer.send(MessageId.GetRouteRequest, { modid, cmdid: 1 });
  await peer.waitFrames(index + 1);
  return peer.message(index, MessageId.GetRouteResponse).modid;
}

describe('TcpServer', () => {
  it('listens on 127.0.0.1 and dispatches through the router', async () => {
    await withServer(echoRouteRouter(), {}, async (server, port) => {
      expect(port).toBeGreaterThan(0);
      const peer = await TcpTestPeer.open(port);
      expect(await roundTrip(peer, 7)).toBe(7);
      expect(await roundTrip(peer, 8)).toBe(8);
      const stats = server.stats();
      expect(stats).toMatchObject({ connections: 1, accepted: 1, framesIn: 2, framesOut: 2, badFrames: 0 });
      await peer.close();
    });
  });

  it('calls the start hook before any dispatch and the close hook after the last one', async () => {
    const events: string[] = [];
    const router = new MessageRouter<Conn>().on(MessageId.ReportRequest, (msg, _id, conn) => {
      events.push(`frame ${conn.id} ${msg.modid}`);
    });
    let closedResolve!: () => void;
    const closedSeen = new Promise<void>((resolve) => {
      closedResolve = resolve;
    });
    const options: TcpServerOptions = {
      onConnectionStart: (conn) => events.push(`start ${conn.id}`),
      onConnectionClose: (conn) => {
        events.push(`close ${conn.id}`);
        closedResolve();
      },
    };
    await withServer(router, options, async (_server, port) => {
      const peer = await TcpTestPeer.open(port);
      // All frames in one write, followed at once by FIN.
      peer.write(
        Buffer.concat([1, 2, 3].map((modid) => encodeFrame(MessageId.ReportRequest, Buffer.from([0x08, modid])))),
      );
      peer.socket.end();
      await closedSeen;
      expect(events).toEqual(['start 1', 'frame 1 1', 'frame 1 2', 'frame 1 3', 'close 1']);
    });
  });

  it('gives each connection its own context slot', async () => {
    const router = new MessageRouter<Conn<{ calls: number }>>().on(MessageId.GetRouteRequest, (msg, _id, conn) => {
      const ctx = conn.context as { calls: number };
      ctx.calls++;
      conn.send(MessageId.GetRouteResponse, { modid: msg.modid, cmdid: ctx.calls });
    });
    const options: TcpServerOptions<{ calls: number }> = {
      onConnectionStart: (conn) => {
        conn.context = { calls: 0 };
      },
    };
    await withServer(router, options, async (server, port) => {
      const a = await TcpTestPeer.open(port);
      const b = await TcpTestPeer.open(port);
      for (let i = 0; i < 3; i++) await roundTrip(a, 1);
      await roundTrip(b, 2);
      expect(a.message(2, MessageId.GetRouteResponse).cmdid).toBe(3);
      expect(b.message(0, MessageId.GetRouteResponse).cmdid).toBe(1);
      expect([...server.connections].map((c) => c.context?.calls).sort()).toEqual([1, 3]);
      await a.close();
      await b.close();
    });
  });

  it('refuses connections past maxConn and keeps serving the existing ones', async () => {
    await withServer(echoRouteRouter(), { maxConn: 2 }, async (server, port) => {
      const a = await TcpTestPeer.open(port);
      const b = await TcpTestPeer.open(port);
      await roundTrip(a, 1);
      await roundTrip(b, 2);
      const c = await TcpTestPeer.open(port);
      await c.closed;
      expect(c.frames).toHaveLength(0);
      expect(server.stats()).toMatchObject({ connections: 2, accepted: 2, refused: 1 });
      expect(await roundTrip(a, 3)).toBe(3);
      expect(await roundTrip(b, 4)).toBe(4);
      // A slot freed by a close is usable again.
      await a.close();
      const d = await TcpTestPeer.open(port);
      expect(await roundTrip(d, 5)).toBe(5);
      await b.close();
      await d.close();
    });
  });

  it('disconnects a peer that sends a malformed header and keeps serving others', async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = pino({ level: 'warn' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
    await withServer(echoRouteRouter(), { logger }, async (server, port) => {
      const good = await TcpTestPeer.open(port);
      const bad = await TcpTestPeer.open(port);
      const badPort = bad.socket.localPort;
      const badHeader = Buffer.alloc(8);
      badHeader.writeInt32LE(MessageId.GetRouteRequest, 0);
      badHeader.writeInt32LE(MAX_BODY_BYTES + 1, 4);
      // A valid request first: it is still answered before the connection closes.
      bad.write(Buffer.concat([encodeFrame(MessageId.GetRouteRequest, Buffer.from([0x08, 9])), badHeader]));
      await bad.closed;
      expect(bad.frames.map((f) => f.msgid)).toEqual([MessageId.GetRouteResponse]);
      expect(server.stats()).toMatchObject({ badFrames: 1, connections: 1 });
      expect(lines).toContainEqual(expect.objectContaining({ reason: 'bad-frame', peer: `127.0.0.1:${badPort}` }));
      expect(await roundTrip(good, 11)).toBe(11);
      const again = await TcpTestPeer.open(port);
      expect(await roundTrip(again, 12)).toBe(12);
      await good.close();
      await again.close();
    });
  });

  it('drops unknown msgids and bad bodies, counts them and keeps the connection', async () => {
    await withServer(echoRouteRouter(), {}, async (server, port) => {
      const peer = await TcpTestPeer.open(port);
      peer.write(encodeFrame(99, Buffer.from('junk')));
      peer.write(encodeFrame(MessageId.GetRouteRequest, Buffer.from([0xff, 0xff, 0xff])));
      expect(await roundTrip(peer, 21)).toBe(21);
      expect(peer.frames).toHaveLength(1);
      expect(server.stats()).toMatchObject({ unknownMsgid: 1, badBody: 1, framesIn: 3, connections: 1 });
      await peer.close();
    });
  });

  it('closes a connection whose peer never reads once the output bound is reached', async () => {
    const outcomes: SendOutcome[] = [];
    const router = new MessageRouter<Conn>().on(MessageId.GetRouteRequest, (_msg, _id, conn) => {
      const body = Buffer.alloc(60_000, 1);
      // Loopback kernel buffers absorb a few MB first; the cap only guards against a hung test.
      for (let i = 0; i < 5_000; i++) {
        const outcome = conn.sendRaw(MessageId.ReportRequest, body);
        if (outcome !== SendOutcome.SENT) {
          outcomes.push(outcome);
          break;
        }
      }
      outcomes.push(conn.sendRaw(MessageId.ReportRequest, body));
    });
    await withServer(router, { maxOutputBytes: 256 * 1024 }, async (server, port) => {
      const other = await TcpTestPeer.open(port);
      const slow = await TcpTestPeer.open(port);
      slow.socket.pause();
      slow.send(MessageId.GetRouteRequest, { modid: 1 });
      while (outcomes.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      expect(outcomes).toEqual([SendOutcome.OVERFLOW, SendOutcome.CLOSED]);
      expect(server.stats()).toMatchObject({ outputOverflow: 1, connections: 1 });
      slow.socket.resume();
      await slow.closed;
      // The other connection is unaffected.
      other.write(encodeFrame(MessageId.ReportRequest, Buffer.from([0x08, 1])));
      await other.close();
      expect(server.stats().framesIn).toBe(2);
    });
  });

  it('close() closes the listener and every connection, calling the close hook', async () => {
    const closedIds: number[] = [];
    const server = new TcpServer(echoRouteRouter(), { onConnectionClose: (c) => closedIds.push(c.id) });
    const { port } = await server.listen();
    const a = await TcpTestPeer.open(port);
    const b = await TcpTestPeer.open(port);
    await roundTrip(a, 1);
    await roundTrip(b, 1);
    await server.close();
    await a.closed;
    await b.closed;
    expect(closedIds.sort()).toEqual([1, 2]);
    expect(server.stats().connections).toBe(0);
    await expect(TcpTestPeer.open(port)).rejects.toThrow();
  });
});
