import { createSocket } from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { MessageId, RetCode } from '@lars/proto';
import { ErrorCode, LarsError } from '../src/errors.js';
import { MAX_UDP_BODY_BYTES, encodeFrame } from '../src/frame-codec.js';
import { MessageRouter } from '../src/message-router.js';
import { SendOutcome } from '../src/send-outcome.js';
import { UdpClient } from '../src/udp-client.js';
import { UdpServer } from '../src/udp-server.js';
import type { UdpReplyTarget } from '../src/udp-server.js';
import { until } from '../../../test-support/wait.js';

/** Answers GetHostRequest with NOEXIST, echoing seq/modid/cmdid; echoes msgid 100 raw. */
function agentLikeRouter(): MessageRouter<UdpReplyTarget> {
  return new MessageRouter<UdpReplyTarget>()
    .on(MessageId.GetHostRequest, (req, _id, conn) => {
      conn.send(MessageId.GetHostResponse, {
        seq: req.seq,
        modid: req.modid,
        cmdid: req.cmdid,
        retcode: RetCode.NOEXIST,
      });
    })
    .onRaw(100, (body, msgid, conn) => {
      conn.sendRaw(msgid, body);
    });
}

describe('UDP', () => {
  it('round trips requests and dispatches replies through the client router', async () => {
    const server = new UdpServer(agentLikeRouter());
    const { address, port } = await server.listen();
    expect(address).toBe('127.0.0.1');
    const replies: [number, number, number][] = [];
    const router = new MessageRouter<UdpClient>().on(MessageId.GetHostResponse, (res, _id, client) => {
      expect(client).toBeInstanceOf(UdpClient);
      replies.push([res.seq, res.modid, res.retcode]);
    });
    const client = new UdpClient({ port, router });
    try {
      await client.connect();
      for (let seq = 1; seq <= 3; seq++) {
        expect(client.send(MessageId.GetHostRequest, { seq, modid: 10 + seq, cmdid: 1 })).toBe(SendOutcome.SENT);
      }
      await until(() => replies.length === 3);
      expect(replies.sort()).toEqual([
        [1, 11, RetCode.NOEXIST],
        [2, 12, RetCode.NOEXIST],
        [3, 13, RetCode.NOEXIST],
      ]);
      expect(server.stats()).toMatchObject({ datagramsIn: 3, framesIn: 3, framesOut: 3 });
      expect(client.stats()).toMatchObject({ datagramsIn: 3, framesIn: 3, framesOut: 3 });
    } finally {
      await client.close();
      await server.close();
    }
  });

  it('drops and counts malformed datagrams, unknown msgids and bad bodies, and keeps answering', async () => {
    const server = new UdpServer(agentLikeRouter());
    const { port } = await server.listen();
    const raw = createSocket('udp4');
    const replies: Buffer[] = [];
    raw.on('message', (msg) => replies.push(msg));
    try {
      await new Promise<void>((resolve) => raw.connect(port, '127.0.0.1', resolve));
      const request = encodeFrame(MessageId.GetHostRequest, Buffer.from('080110011802', 'hex'));
      const send = (b: Buffer): Promise<void> =>
        new Promise((resolve, reject) => raw.send(b, (e) => (e ? reject(e) : resolve())));
      await send(request.subarray(0, request.length - 1)); // length != 8 + msglen (short)
      await send(Buffer.concat([request, Buffer.from([0])])); // length != 8 + msglen (long)
      const negative = Buffer.from(request);
      negative.writeInt32LE(-1, 4);
      await send(negative); // msglen < 0
      await send(Buffer.alloc(5)); // shorter than a header
      await send(encodeFrame(77, Buffer.alloc(2))); // unknown msgid
      await send(encodeFrame(MessageId.GetHostRequest, Buffer.from([0x08]))); // undecodable body
      await send(request);
      await until(() => replies.length === 1);
      expect(replies[0].readInt32LE(0)).toBe(MessageId.GetHostResponse);
      expect(server.stats()).toMatchObject({
        datagramsIn: 7,
        lengthMismatch: 2,
        badFrames: 2,
        unknownMsgid: 1,
        badBody: 1,
        framesIn: 3,
        framesOut: 1,
      });
      await send(request);
      await until(() => replies.length === 2);
    } finally {
      raw.close();
      await server.close();
    }
  });

  it('carries a body of exactly MAX_UDP_BODY_BYTES and refuses a bigger one, counted on both sides', async () => {
    const big = Buffer.alloc(MAX_UDP_BODY_BYTES + 1, 7);
    const router = agentLikeRouter().onRaw(101, (_body, _msgid, conn) => {
      conn.sendRaw(101, big);
    });
    const server = new UdpServer(router);
    const { port } = await server.listen();
    const frames: { msgid: number; length: number }[] = [];
    const client = new UdpClient({ port, onFrame: (msgid, body) => frames.push({ msgid, length: body.length }) });
    try {
      await client.connect();
      expect(client.sendRaw(100, big.subarray(0, MAX_UDP_BODY_BYTES))).toBe(SendOutcome.SENT);
      expect(client.sendRaw(100, big)).toBe(SendOutcome.TOO_LARGE);
      await until(() => frames.length === 1);
      expect(frames).toEqual([{ msgid: 100, length: MAX_UDP_BODY_BYTES }]);
      expect(client.stats()).toMatchObject({ tooLarge: 1, framesOut: 1 });

      client.sendRaw(101, Buffer.alloc(0));
      await until(() => server.stats().tooLarge === 1);
      expect(server.stats().framesOut).toBe(1);
    } finally {
      await client.close();
      await server.close();
    }
  });

  it('reply targets are valid only during the handler; sendTo answers later', async () => {
    let kept: UdpReplyTarget | null = null;
    let from: [string, number] = ['', 0];
    const router = new MessageRouter<UdpReplyTarget>().on(MessageId.GetHostRequest, (_req, _id, conn) => {
      kept = conn;
      from = [conn.address, conn.port];
    });
    const server = new UdpServer(router);
    const { port } = await server.listen();
    const frames: number[] = [];
    const client = new UdpClient({ port, onFrame: (msgid) => frames.push(msgid) });
    try {
      await client.connect();
      client.send(MessageId.GetHostRequest, { seq: 1 });
      await until(() => kept !== null);
      expect(from).toEqual(['127.0.0.1', client.localPort]);
      let caught: unknown;
      try {
        (kept as unknown as UdpReplyTarget).send(MessageId.GetHostResponse, { seq: 1 });
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(LarsError);
      expect((caught as LarsError).code).toBe(ErrorCode.CLOSED);
      expect(server.sendTo(from[0], from[1], MessageId.GetHostResponse, { seq: 1 })).toBe(SendOutcome.SENT);
      await until(() => frames.length === 1);
      expect(frames).toEqual([MessageId.GetHostResponse]);
    } finally {
      await client.close();
      await server.close();
    }
  });

  it('counts sends before connect and after close, and survives a peer with no listener', async () => {
    const server = new UdpServer(agentLikeRouter());
    const { port } = await server.listen();
    await server.close();
    const client = new UdpClient({ port });
    expect(client.send(MessageId.ReportRequest, { modid: 1 })).toBe(SendOutcome.CLOSED);
    await client.connect();
    // Nobody listens: the kernel's port-unreachable comes back as a counted error, not a crash.
    for (let i = 0; i < 3; i++) client.send(MessageId.ReportRequest, { modid: 1 });
    await until(() => client.stats().sendErrors > 0);
    await client.close();
    expect(client.send(MessageId.ReportRequest, { modid: 1 })).toBe(SendOutcome.CLOSED);
    expect(client.stats()).toMatchObject({ rejectedSends: 2, framesOut: 3 });
  });

  it('hands each socket error to onError after counting it (ECONNREFUSED from a peer with no listener)', async () => {
    const server = new UdpServer(agentLikeRouter());
    const { port } = await server.listen();
    await server.close();
    const errors: string[] = [];
    const client = new UdpClient({
      port,
      onError: (err) => {
        errors.push(err.code ?? 'none');
        if (errors.length === 1) throw new Error('a failing onError is counted, not thrown');
      },
    });
    await client.connect();
    try {
      for (let i = 0; i < 3; i++) client.send(MessageId.ReportRequest, { modid: 1 });
      await until(() => errors.length >= 2, 'two socket errors');
      expect(new Set(errors)).toEqual(new Set(['ECONNREFUSED']));
      expect(client.stats().sendErrors).toBe(errors.length);
      expect(client.stats().handlerErrors).toBe(1);
    } finally {
      await client.close();
    }
  });
});
