import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { decodeBody, encodeBody, MessageId, RetCode } from '@lars/proto';
import type { MessageMap } from '@lars/proto';
import type { AgentLink } from '../src/agent-sockets.js';
import { ClientErrorCode, LarsClientError } from '../src/client-errors.js';
import { RouteRequests } from '../src/route-requests.js';

function recordingLink(accept = true): AgentLink & { sent: string[] } {
  const sent: string[] = [];
  return {
    sent,
    send<M extends MessageId>(modid: number, cmdid: number, msgid: M, _message: MessageMap[M]): boolean {
      expect(msgid).toBe(MessageId.ApiGetRouteRequest);
      sent.push(`${modid}:${cmdid}`);
      return accept;
    },
  };
}

/** An API_GetRouteResponse as the client's router hands it over. */
function response(modid: number, cmdid: number, hosts: Array<{ ip: number; port: number }>) {
  return decodeBody(
    MessageId.ApiGetRouteResponse,
    encodeBody(MessageId.ApiGetRouteResponse, { modid, cmdid, host: hosts }),
  );
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('RouteRequests', () => {
  it('concurrent calls for one key share one request and one reply; other keys get their own', async () => {
    const link = recordingLink();
    const routes = new RouteRequests(link, { timeoutMs: 100, now: () => Date.now() });
    const calls = [routes.request(1, 2), routes.request(1, 2), routes.request(1, 2)];
    const other = routes.request(2, 1);
    expect(link.sent).toEqual(['1:2', '2:1']);
    expect(routes.inFlight).toBe(2);
    routes.onResponse(response(1, 2, [{ ip: 3232235953, port: 7777 }]));
    const results = await Promise.all(calls);
    for (const r of results) expect(r).toEqual({ ret: RetCode.SUCC, hosts: [{ ip: '192.168.1.177', port: 7777 }] });
    expect(results[0].hosts).not.toBe(results[2].hosts);
    routes.onResponse(response(2, 1, []));
    expect(await other).toEqual({ ret: RetCode.NOEXIST, hosts: [] });
    expect(routes.replies).toBe(2);
  });

  it('a reply nobody waits for is stale; a new call after a reply sends a new request', async () => {
    const link = recordingLink();
    const routes = new RouteRequests(link, { timeoutMs: 100, now: () => Date.now() });
    routes.onResponse(response(3, 3, []));
    expect(routes.staleReplies).toBe(1);
    const first = routes.request(3, 3);
    routes.onResponse(response(3, 3, []));
    await first;
    const second = routes.request(3, 3);
    expect(link.sent).toEqual(['3:3', '3:3']);
    routes.onResponse(response(3, 3, []));
    expect((await second).ret).toBe(RetCode.NOEXIST);
  });

  it('retries the shared request, then settles every waiter with LARS_TIMEOUT', async () => {
    const link = recordingLink();
    const routes = new RouteRequests(link, { timeoutMs: 100, retries: 1, tickMs: 10, now: () => Date.now() });
    const a = routes.request(4, 4);
    const b = routes.request(4, 4);
    vi.advanceTimersByTime(110);
    expect(link.sent).toEqual(['4:4', '4:4']);
    const c = routes.request(4, 4);
    vi.advanceTimersByTime(100);
    for (const r of await Promise.all([a, b, c])) {
      expect(r.ret).toBe(RetCode.SYSTEM_ERROR);
      if (r.ret === RetCode.SYSTEM_ERROR) expect(r.error.code).toBe(ClientErrorCode.TIMEOUT);
      expect(r.hosts).toEqual([]);
    }
    expect(link.sent).toHaveLength(2);
    expect(routes.timeouts).toBe(1);
    expect(routes.retries).toBe(1);
  });

  it('a refused send resolves SEND_FAILED; close settles waiters and later calls', async () => {
    const refused = new RouteRequests(recordingLink(false));
    const r = await refused.request(1, 1);
    expect(r.ret === RetCode.SYSTEM_ERROR && r.error.code).toBe(ClientErrorCode.SEND_FAILED);

    const routes = new RouteRequests(recordingLink(), { timeoutMs: 10_000 });
    const pending = [routes.request(1, 1), routes.request(1, 1)];
    const error = new LarsClientError(ClientErrorCode.CLOSED, 'closed');
    routes.close(error);
    for (const x of await Promise.all([...pending, routes.request(2, 2)])) {
      expect(x).toEqual({ ret: RetCode.SYSTEM_ERROR, hosts: [], error });
    }
  });

  it('failPort settles every waiter of the requests on that port, each with its own result, counted once per request', async () => {
    const routes = new RouteRequests(recordingLink(), { timeoutMs: 10_000 });
    const shared = [routes.request(1, 2), routes.request(1, 2)];
    const other = routes.request(1, 1);
    const error = new LarsClientError(ClientErrorCode.AGENT_UNREACHABLE, 'nothing on port 0');
    routes.failPort(0, error);
    const results = await Promise.all(shared);
    for (const x of results) expect(x).toEqual({ ret: RetCode.SYSTEM_ERROR, hosts: [], error });
    expect(results[0].hosts).not.toBe(results[1].hosts);
    expect(routes).toMatchObject({ unreachable: 1, inFlight: 1 });
    routes.onResponse(response(1, 1, []));
    expect(await other).toEqual({ ret: RetCode.NOEXIST, hosts: [] });
  });
});
