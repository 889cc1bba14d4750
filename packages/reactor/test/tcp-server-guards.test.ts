import { afterEach, describe, expect, it, vi } from 'vitest';
import { pino } from 'pino';
import { MessageId, encodeBody } from '@lars/proto';
import { ErrorCode, MessageRouter, encodeFrame } from '@lars/wire';
import type { TcpConnection } from '../src/tcp-connection.js';
import { TcpServer } from '../src/tcp-server.js';
import type { TcpServerOptions } from '../src/tcp-server.js';
import { GuardPeer } from '../../../test-support/guard-peer.js';

/** Answers GetRouteRequest, so a peer can tell it is served. */
function echoRouter(): MessageRouter<TcpConnection> {
  return new MessageRouter<TcpConnection>().on(MessageId.GetRouteRequest, (msg, _id, conn) => {
    conn.send(MessageId.GetRouteResponse, { modid: msg.modid, cmdid: msg.cmdid });
  });
}

const request = (modid: number): Buffer =>
  encodeFrame(MessageId.GetRouteRequest, encodeBody(MessageId.GetRouteRequest, { modid, cmdid: 1 }));

/** The fake clock every server here runs on; tests move it and call sweep(). */
let clock = 0;
const servers: TcpServer[] = [];
const peers: GuardPeer[] = [];

afterEach(async () => {
  for (const p of peers.splice(0)) await p.close();
  for (const s of servers.splice(0)) await s.close();
});

async function start(options: TcpServerOptions = {}): Promise<{ server: TcpServer; port: number }> {
  clock = 1_000_000;
  const server = new TcpServer(echoRouter(), { now: () => clock, ...options });
  servers.push(server);
  const { port } = await server.listen();
  return { server, port };
}

async function peer(port: number, from = '127.0.0.1'): Promise<GuardPeer> {
  const p = await GuardPeer.open(port, from);
  peers.push(p);
  return p;
}

/** The server side of the most recently accepted connection. */
function newest(server: TcpServer): TcpConnection {
  const all = [...server.connections];
  return all[all.length - 1];
}

describe('TcpServer frame timeout', () => {
  it('closes a writer that trickles one byte per tick after frameTimeoutMs, counted once', async () => {
    const { server, port } = await start({ frameTimeoutMs: 10_000 });
    const healthy = await peer(port);
    await healthy.ask(1);
    const slow = await peer(port);
    await vi.waitFor(() => expect(server.stats().accepted).toBe(2));
    const conn = newest(server);
    // A 12-byte frame, one byte a second: ten bytes in, its first byte is 10 s old and the frame is cut.
    const frame = request(5);
    expect(frame.length).toBe(12);
    for (let i = 0; i < 10; i++) {
      await slow.write(frame.subarray(i, i + 1));
      await vi.waitFor(() => expect(conn.partialBytes).toBe(i + 1), { interval: 1 });
      server.sweep();
      expect(slow.isClosed).toBe(false);
      clock += 1000;
    }
    server.sweep();
    await slow.closed;
    await vi.waitFor(() => expect(server.stats().connections).toBe(1));
    expect(server.stats()).toMatchObject({ frameTimeouts: 1, framesIn: 1 });
    // The healthy peer, silent all along, is untouched and served.
    await healthy.ask(2);
  });

  it('times each frame from its own first byte: a stream that always holds a partial frame is kept', async () => {
    const { server, port } = await start({ frameTimeoutMs: 10_000 });
    const p = await peer(port);
    await vi.waitFor(() => expect(server.stats().accepted).toBe(1));
    const conn = newest(server);
    const frames = [request(1), request(2), request(3), request(4)];
    // Every chunk completes one frame and begins the next; each frame is in flight 9 s.
    await p.write(Buffer.concat([frames[0], frames[1].subarray(0, 4)]));
    for (let i = 1; i < frames.length; i++) {
      await vi.waitFor(() => expect(server.stats().framesIn).toBe(i));
      clock += 9_000;
      server.sweep();
      const rest = frames[i].subarray(4);
      await p.write(i + 1 < frames.length ? Buffer.concat([rest, frames[i + 1].subarray(0, 4)]) : rest);
    }
    await vi.waitFor(() => expect(server.stats().framesIn).toBe(4));
    expect(conn.partialSince).toBe(-1);
    server.sweep();
    expect(server.stats()).toMatchObject({ frameTimeouts: 0, connections: 1 });
    expect(p.isClosed).toBe(false);
  });
});

describe('TcpServer silence', () => {
  it('keeps a silent agent (valid or not yet) for longer than every timeout while connIdleTimeoutMs is off', async () => {
    const { server, port } = await start({ frameTimeoutMs: 1000 });
    const agent = await peer(port);
    await agent.ask(1);
    const linkOnly = await peer(port);
    await vi.waitFor(() => expect(server.stats().accepted).toBe(2));
    clock += 7 * 86_400_000;
    server.sweep();
    await agent.ask(2);
    await linkOnly.ask(3);
    expect(server.stats()).toMatchObject({ connections: 2, frameTimeouts: 0, idleClosed: 0 });
  });

  it('closes a connection silent for connIdleTimeoutMs when that is set, counted', async () => {
    const { server, port } = await start({ connIdleTimeoutMs: 60_000 });
    const quiet = await peer(port);
    await quiet.ask(1);
    const talking = await peer(port);
    await talking.ask(2);
    clock += 59_999;
    server.sweep();
    await talking.ask(3);
    clock += 1;
    server.sweep();
    await quiet.closed;
    await vi.waitFor(() => expect(server.stats().connections).toBe(1));
    expect(server.stats().idleClosed).toBe(1);
    await talking.ask(4);
  });
});

describe('TcpServer limits at accept', () => {
  it('refuses more than maxConnPerIp connections from one address, counted, and serves other addresses', async () => {
    const { server, port } = await start({ maxConnPerIp: 3 });
    const same = [await peer(port), await peer(port), await peer(port)];
    for (const [i, p] of same.entries()) await p.ask(i);
    const fourth = await peer(port);
    await fourth.closed;
    const other = await peer(port, '127.0.0.2');
    await other.ask(9);
    expect(server.stats()).toMatchObject({ perIpRefused: 1, accepted: 4, refused: 0, connections: 4 });
    // A slot of 127.0.0.1 freed by a close is usable again.
    await same[0].close();
    await vi.waitFor(() => expect(server.stats().connections).toBe(3));
    const again = await peer(port);
    await again.ask(10);
    expect(server.stats().perIpRefused).toBe(1);
  });

  it('at maxConn displaces the longest-silent never-valid connection, then refuses when all sent a valid frame', async () => {
    const { server, port } = await start({ maxConn: 3 });
    const agent = await peer(port);
    await agent.ask(1);
    const older = await peer(port);
    await vi.waitFor(() => expect(server.stats().accepted).toBe(2));
    clock += 1000;
    const newer = await peer(port);
    await vi.waitFor(() => expect(server.stats().accepted).toBe(3));
    clock += 1000;
    const incoming = await peer(port, '127.0.0.2');
    await incoming.ask(2);
    await older.closed;
    expect(server.stats()).toMatchObject({ displaced: 1, refused: 0, accepted: 4 });
    await newer.ask(3);
    await agent.ask(4);
    // Now all three open connections have sent a valid frame: nothing to displace.
    const late = await peer(port);
    await late.closed;
    await vi.waitFor(() => expect(server.stats().connections).toBe(3));
    expect(server.stats()).toMatchObject({ displaced: 1, refused: 1, accepted: 4 });
  });

  it('refuses a peer outside `allow`, counted and logged once per interval', async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = pino({ level: 'warn' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
    const { server, port } = await start({ allow: ['10.0.0.0/8'], logger, warnIntervalMs: 60_000 });
    const a = await peer(port);
    const b = await peer(port, '127.0.0.2');
    await a.closed;
    await b.closed;
    expect(server.stats()).toMatchObject({ notAllowed: 2, accepted: 0, connections: 0 });
    const refusals = lines.filter((l) => l.reason === 'not-allowed');
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toMatchObject({ msg: 'peer address not in allow, connection refused' });
  });

  it('rejects bad guard options with LARS_BAD_OPTION naming the field', () => {
    const cases: Array<[TcpServerOptions, string]> = [
      [{ allow: ['10.0.0.0/8', 'nope'] }, 'invalid option allow: item 2 "nope"'],
      [{ maxConnPerIp: 0 }, 'invalid option maxConnPerIp'],
      [{ frameTimeoutMs: 0 }, 'invalid option frameTimeoutMs'],
      [{ connIdleTimeoutMs: -1 }, 'invalid option connIdleTimeoutMs'],
    ];
    for (const [options, message] of cases) {
      expect(() => new TcpServer(echoRouter(), options)).toThrow(
        expect.objectContaining({ code: ErrorCode.BAD_OPTION, message: expect.stringContaining(message) }),
      );
    }
  });
});
