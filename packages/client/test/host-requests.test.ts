import { describe, expect, it } from 'vitest';
import { decodeBody, encodeBody, MessageId, RetCode } from '@lars/proto';
import type { MessageMap } from '@lars/proto';
import type { AgentLink } from '../src/agent-sockets.js';
import { ClientErrorCode, LarsClientError } from '../src/client-errors.js';
import { HostRequests } from '../src/host-requests.js';

interface Sent {
  seq: number;
  modid: number;
  cmdid: number;
}

/** Records what would go on the wire (copied: the message object is reused). */
function recordingLink(accept = true): AgentLink & { sent: Sent[] } {
  const sent: Sent[] = [];
  return {
    sent,
    send<M extends MessageId>(_modid: number, _cmdid: number, msgid: M, message: MessageMap[M]): boolean {
      expect(msgid).toBe(MessageId.GetHostRequest);
      const m = message as MessageMap[typeof MessageId.GetHostRequest];
      sent.push({ seq: m.seq ?? 0, modid: m.modid ?? 0, cmdid: m.cmdid ?? 0 });
      return accept;
    },
  };
}

/** A GetHostResponse as the client's router hands it over: encoded and decoded. */
function response(seq: number, modid: number, cmdid: number, retcode: number, ip = 0, port = 0) {
  const body = encodeBody(MessageId.GetHostResponse, {
    seq,
    modid,
    cmdid,
    retcode,
    host: ip === 0 ? null : { ip, port },
  });
  return decodeBody(MessageId.GetHostResponse, body);
}

describe('HostRequests', () => {
  it('seq is a uint32 that wraps, skipping 0', async () => {
    const link = recordingLink();
    const hosts = new HostRequests(link, { timeoutMs: 10_000, firstSeq: 2 ** 32 - 2 });
    const results = [hosts.request(1, 1), hosts.request(1, 1), hosts.request(1, 1)];
    expect(link.sent.map((s) => s.seq)).toEqual([2 ** 32 - 2, 2 ** 32 - 1, 1]);
    for (const s of link.sent) hosts.onResponse(response(s.seq, 1, 1, RetCode.NOEXIST));
    expect(await Promise.all(results)).toEqual([
      { ret: RetCode.NOEXIST },
      { ret: RetCode.NOEXIST },
      { ret: RetCode.NOEXIST },
    ]);
    expect(hosts.inFlight).toBe(0);
  });

  it('never reuses a seq that is still pending after a wrap', () => {
    const link = recordingLink();
    const hosts = new HostRequests(link, { timeoutMs: 10_000, firstSeq: 1 });
    void hosts.request(1, 1);
    void hosts.request(1, 1);
    const wrapped = new HostRequests(link, { timeoutMs: 10_000, firstSeq: 2 ** 32 - 1 });
    void wrapped.request(1, 1);
    void wrapped.request(1, 1);
    void wrapped.request(1, 1);
    expect(link.sent.map((s) => s.seq)).toEqual([1, 2, 2 ** 32 - 1, 1, 2]);
    hosts.close(new LarsClientError(ClientErrorCode.CLOSED, 'done'));
    wrapped.close(new LarsClientError(ClientErrorCode.CLOSED, 'done'));
  });

  it('settles a request only with its own seq and key; counts the rest as stale', async () => {
    const link = recordingLink();
    const hosts = new HostRequests(link, { timeoutMs: 10_000 });
    const a = hosts.request(5, 6);
    const b = hosts.request(7, 8);
    const [sa, sb] = link.sent;
    hosts.onResponse(response(sa.seq, 7, 8, RetCode.OVERLOAD));
    hosts.onResponse(response(999, 5, 6, RetCode.OVERLOAD));
    expect(hosts.staleReplies).toBe(2);
    expect(hosts.inFlight).toBe(2);
    hosts.onResponse(response(sb.seq, 7, 8, RetCode.SUCC, 3232235953, 7777));
    hosts.onResponse(response(sa.seq, 5, 6, RetCode.OVERLOAD));
    hosts.onResponse(response(sa.seq, 5, 6, RetCode.OVERLOAD));
    expect(await a).toEqual({ ret: RetCode.OVERLOAD });
    expect(await b).toEqual({ ret: RetCode.SUCC, host: { ip: '192.168.1.177', port: 7777 } });
    expect(hosts.replies).toBe(2);
    expect(hosts.staleReplies).toBe(3);
  });

  it('SUCC without a host or an unknown retcode is an agent error', async () => {
    const link = recordingLink();
    const hosts = new HostRequests(link, { timeoutMs: 10_000 });
    const a = hosts.request(1, 2);
    const b = hosts.request(1, 2);
    hosts.onResponse(response(link.sent[0].seq, 1, 2, RetCode.SUCC));
    hosts.onResponse(response(link.sent[1].seq, 1, 2, 42));
    for (const r of await Promise.all([a, b])) {
      expect(r.ret).toBe(RetCode.SYSTEM_ERROR);
      if (r.ret === RetCode.SYSTEM_ERROR) expect(r.error.code).toBe(ClientErrorCode.AGENT_ERROR);
    }
  });

  it('a request the socket refuses resolves SEND_FAILED at once and is not pending', async () => {
    const hosts = new HostRequests(recordingLink(false), { timeoutMs: 10_000 });
    const r = await hosts.request(1, 1);
    expect(r.ret).toBe(RetCode.SYSTEM_ERROR);
    if (r.ret === RetCode.SYSTEM_ERROR) expect(r.error.code).toBe(ClientErrorCode.SEND_FAILED);
    expect(hosts.inFlight).toBe(0);
  });

  it('close settles everything pending with the given error, and later requests too', async () => {
    const hosts = new HostRequests(recordingLink(), { timeoutMs: 10_000 });
    const pending = [hosts.request(1, 1), hosts.request(2, 2)];
    const error = new LarsClientError(ClientErrorCode.CLOSED, 'closed');
    hosts.close(error);
    const after = hosts.request(3, 3);
    for (const r of await Promise.all([...pending, after])) expect(r).toEqual({ ret: RetCode.SYSTEM_ERROR, error });
  });

  it('failPort settles, counted, exactly the requests on that agent port; the next request is sent as usual', async () => {
    const link = recordingLink();
    const hosts = new HostRequests(link, { timeoutMs: 10_000 });
    // (modid + cmdid) % 3: ports 0, 1, 0, 2.
    const onPort0 = [hosts.request(1, 2), hosts.request(3, 3)];
    const onPort1 = hosts.request(2, 2);
    const onPort2 = hosts.request(1, 1);
    const error = new LarsClientError(ClientErrorCode.AGENT_UNREACHABLE, 'nothing on port 0');
    hosts.failPort(0, error);
    for (const r of await Promise.all(onPort0)) expect(r).toEqual({ ret: RetCode.SYSTEM_ERROR, error });
    expect(hosts.unreachable).toBe(2);
    expect(hosts.inFlight).toBe(2);
    hosts.failPort(0, error);
    expect(hosts.unreachable).toBe(2);
    const again = hosts.request(1, 2);
    expect(link.sent).toHaveLength(5);
    for (const s of link.sent.slice(2)) hosts.onResponse(response(s.seq, s.modid, s.cmdid, RetCode.NOEXIST));
    expect(await Promise.all([onPort1, onPort2, again])).toEqual([
      { ret: RetCode.NOEXIST },
      { ret: RetCode.NOEXIST },
      { ret: RetCode.NOEXIST },
    ]);
    expect(hosts).toMatchObject({ unreachable: 2, inFlight: 0, timeouts: 0 });
  });
});
