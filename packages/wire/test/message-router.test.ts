import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import type { WireLogger as Logger } from '../src/wire-logger.js';
import { MessageId, encodeBody } from '@lars/proto';
import { ErrorCode, LarsError } from '../src/errors.js';
import { DispatchOutcome, MessageRouter } from '../src/message-router.js';

interface FakeConn {
  peer: string;
}

function capture(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  return { logger, lines };
}

function codeOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err instanceof LarsError ? err.code : err;
  }
  return undefined;
}

const conn: FakeConn = { peer: '127.0.0.1:4000' };

describe('MessageRouter', () => {
  it('decodes the body and calls the typed handler with msgid, connection and user data', () => {
    const router = new MessageRouter<FakeConn>();
    const calls: unknown[][] = [];
    router.on(
      MessageId.GetRouteRequest,
      (msg, msgid, c, userData) => {
        calls.push([msg.modid, msg.cmdid, msgid, c, userData]);
      },
      { tag: 'u' },
    );
    const body = Buffer.from(encodeBody(MessageId.GetRouteRequest, { modid: 1, cmdid: 2 }));
    expect(router.dispatch(MessageId.GetRouteRequest, body, conn)).toBe(DispatchOutcome.HANDLED);
    expect(calls).toEqual([[1, 2, MessageId.GetRouteRequest, conn, { tag: 'u' }]]);
    expect(router.stats()).toEqual({ handled: 1, unknownMsgid: 0, badBody: 0, handlerErrors: 0 });
  });

  it('passes raw bodies through without decoding', () => {
    const router = new MessageRouter<FakeConn>();
    const seen: string[] = [];
    router.onRaw(1000, (body, msgid) => {
      seen.push(`${msgid}:${body.toString('hex')}`);
    });
    expect(router.dispatch(1000, Buffer.from([0xff, 0xff]), conn)).toBe(DispatchOutcome.HANDLED);
    expect(seen).toEqual(['1000:ffff']);
  });

  it('rejects a second registration of the same msgid', () => {
    const router = new MessageRouter();
    router.on(MessageId.GetHostRequest, () => {});
    expect(codeOf(() => router.on(MessageId.GetHostRequest, () => {}))).toBe(ErrorCode.DUPLICATE_HANDLER);
    expect(codeOf(() => router.onRaw(MessageId.GetHostRequest, () => {}))).toBe(ErrorCode.DUPLICATE_HANDLER);
    expect(codeOf(() => router.on(42 as MessageId, () => {}))).toBe(ErrorCode.BAD_OPTION);
    expect(router.has(MessageId.GetHostRequest)).toBe(true);
    expect(router.has(MessageId.ReportRequest)).toBe(false);
  });

  it('drops and counts unknown msgids with a rate-limited warning', () => {
    const { logger, lines } = capture();
    let now = 1_000;
    const router = new MessageRouter<FakeConn>({ logger, warnIntervalMs: 5_000, now: () => now });
    for (let i = 0; i < 5; i++) {
      expect(router.dispatch(99, Buffer.alloc(0), conn)).toBe(DispatchOutcome.UNKNOWN_MSGID);
    }
    expect(router.stats().unknownMsgid).toBe(5);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 40, reason: 'unknown-msgid', msgid: 99, peer: '127.0.0.1:4000' });

    now += 5_000;
    router.dispatch(98, Buffer.alloc(0), conn);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatchObject({ reason: 'unknown-msgid', msgid: 98, suppressed: 4 });
  });

  it('drops and counts bodies that do not decode, without calling the handler', () => {
    const { logger, lines } = capture();
    const router = new MessageRouter<FakeConn>({ logger });
    let called = 0;
    router.on(MessageId.GetRouteRequest, () => {
      called++;
    });
    expect(router.dispatch(1, Buffer.from([0x08]), conn)).toBe(DispatchOutcome.BAD_BODY);
    expect(router.dispatch(1, Buffer.from([0xff, 0xff, 0xff]), conn)).toBe(DispatchOutcome.BAD_BODY);
    expect(called).toBe(0);
    expect(router.stats().badBody).toBe(2);
    // Separate reasons are limited separately; the second bad body is suppressed.
    expect(lines.map((l) => l.reason)).toEqual(['bad-body']);
  });

  it('contains handler errors, sync and async', async () => {
    const { logger, lines } = capture();
    const router = new MessageRouter<FakeConn>({ logger, warnIntervalMs: 0 });
    router.onRaw(1, () => {
      throw new Error('boom');
    });
    router.onRaw(2, async () => {
      throw new Error('later');
    });
    expect(router.dispatch(1, Buffer.alloc(0), conn)).toBe(DispatchOutcome.HANDLER_ERROR);
    expect(router.dispatch(2, Buffer.alloc(0), conn)).toBe(DispatchOutcome.HANDLED);
    await new Promise((resolve) => setImmediate(resolve));
    expect(router.stats().handlerErrors).toBe(2);
    expect(lines.map((l) => [l.level, l.err])).toEqual([
      [50, 'boom'],
      [50, 'later'],
    ]);
  });
});
