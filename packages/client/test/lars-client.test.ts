import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ipToInt, RetCode } from '@lars/proto';
import { ErrorCode, LarsError } from '@lars/wire';
import { ClientErrorCode, LarsClient, LarsClientError } from '../src/index.js';
import type { GetHostResult, LarsClientOptions } from '../src/index.js';
import { until } from '../../../test-support/wait.js';
import { FakeAgent } from './fake-agent.js';
import type { HostRequest, RouteRequest } from './fake-agent.js';

const IP_177 = ipToInt('192.168.1.177');

let agent: FakeAgent;
const clients: LarsClient[] = [];

function client(options: LarsClientOptions = {}): LarsClient {
  const c = new LarsClient({ basePort: agent.basePort, ...options });
  clients.push(c);
  return c;
}

/** Answers every get_host with SUCC: host 192.168.1.177, port = 1000 * modid + cmdid. */
function answerSucc(req: HostRequest, a: FakeAgent): void {
  const { seq, modid, cmdid } = req.message;
  a.replyHost(req, { seq, modid, cmdid, retcode: RetCode.SUCC, host: { ip: IP_177, port: 1000 * modid + cmdid } });
}

function expectSystemError(result: GetHostResult, code: string): void {
  expect(result.ret).toBe(RetCode.SYSTEM_ERROR);
  if (result.ret !== RetCode.SYSTEM_ERROR) return;
  expect(result.error).toBeInstanceOf(LarsClientError);
  expect(result.error).toBeInstanceOf(LarsError);
  expect(result.error.code).toBe(code);
}

beforeEach(async () => {
  agent = await FakeAgent.start();
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await agent.close();
});

describe('LarsClient against a fake agent', () => {
  it('sends each key to basePort + (modid + cmdid) % 3 and converts the ip correctly', async () => {
    agent.onGetHost = answerSucc;
    const c = client();
    expect(await c.getHost(1, 2)).toEqual({ ret: RetCode.SUCC, host: { ip: '192.168.1.177', port: 1002 } });
    expect(await c.getHost(1, 3)).toEqual({ ret: RetCode.SUCC, host: { ip: '192.168.1.177', port: 1003 } });
    expect(await c.getHost(2, 3)).toEqual({ ret: RetCode.SUCC, host: { ip: '192.168.1.177', port: 2003 } });
    expect(agent.hostRequests.map((r) => r.portIndex)).toEqual([0, 1, 2]);
  });

  it('the first getHost of a key waits out NOEXIST; later NOEXIST answers are returned as is', async () => {
    let calls = 0;
    agent.onGetHost = (req, a) => {
      const { seq, modid, cmdid } = req.message;
      if (++calls < 3) a.replyHost(req, { seq, modid, cmdid, retcode: RetCode.NOEXIST });
      else if (calls === 3) answerSucc(req, a);
      else a.replyHost(req, { seq, modid, cmdid, retcode: RetCode.NOEXIST });
    };
    const c = client({ routeWaitIntervalMs: 5 });
    expect(await c.getHost(4, 4)).toEqual({ ret: RetCode.SUCC, host: { ip: '192.168.1.177', port: 4004 } });
    expect(agent.hostRequests).toHaveLength(3);
    expect(await c.getHost(4, 4)).toEqual({ ret: RetCode.NOEXIST });
    expect(agent.hostRequests).toHaveLength(4);
  });

  it('gives up waiting for a route after routeWaitAttempts NOEXIST answers', async () => {
    agent.onGetHost = (req, a) => a.replyHost(req, { ...req.message, retcode: RetCode.NOEXIST });
    const c = client({ routeWaitIntervalMs: 1, routeWaitAttempts: 4 });
    expect(await c.getHost(5, 5)).toEqual({ ret: RetCode.NOEXIST });
    expect(agent.hostRequests).toHaveLength(4);
  });

  it('drops unknown-seq and foreign replies, and a reply that comes after the timeout', async () => {
    agent.onGetHost = (req, a) => {
      const { seq, modid, cmdid } = req.message;
      if (modid !== 7) return;
      a.replyHost(req, { seq: seq + 1000, modid, cmdid, retcode: RetCode.OVERLOAD });
      a.replyHost(req, { seq, modid, cmdid: cmdid + 1, retcode: RetCode.OVERLOAD });
      a.replyHost(req, { seq, modid: modid + 3, cmdid, retcode: RetCode.OVERLOAD });
      answerSucc(req, a);
    };
    const c = client({ timeoutMs: 30, retries: 0 });
    expect(await c.getHost(7, 1)).toEqual({ ret: RetCode.SUCC, host: { ip: '192.168.1.177', port: 7001 } });
    await until(() => c.stats().staleReplies === 3, 'three stale replies');
    expect(c.stats()).toMatchObject({ replies: 1, staleReplies: 3, timeouts: 0 });

    // Silent for modid 8: the request times out, then its reply arrives late.
    const late = c.getHost(8, 1);
    await until(() => agent.hostRequests.some((r) => r.message.modid === 8), 'the request');
    expectSystemError(await late, ClientErrorCode.TIMEOUT);
    const req = agent.hostRequests.find((r) => r.message.modid === 8)!;
    answerSucc(req, agent);
    await until(() => c.stats().staleReplies === 4, 'the late reply counted');
    expect(c.stats()).toMatchObject({ replies: 1, timeouts: 1, inFlight: 0 });
  });

  it('retries a lost request exactly `retries` times with the same seq, then resolves LARS_TIMEOUT', async () => {
    const c = client({ timeoutMs: 20, retries: 2 });
    const result = await c.getHost(9, 9);
    expectSystemError(result, ClientErrorCode.TIMEOUT);
    // Nothing more is sent once the request has settled: wait a few more timeouts to be sure.
    await new Promise((r) => setTimeout(r, 100));
    expect(agent.hostRequests).toHaveLength(3);
    expect(new Set(agent.hostRequests.map((r) => r.message.seq)).size).toBe(1);
    expect(c.stats()).toMatchObject({ retries: 2, timeouts: 1, replies: 0, inFlight: 0 });

    const route = await c.getRoute(9, 9);
    expect(route.ret).toBe(RetCode.SYSTEM_ERROR);
    if (route.ret === RetCode.SYSTEM_ERROR) expect(route.error.code).toBe(ClientErrorCode.TIMEOUT);
    expect(route.hosts).toEqual([]);
    await new Promise((r) => setTimeout(r, 100));
    expect(agent.routeRequests).toHaveLength(3);
  });

  it('a late reply to an earlier attempt answers the retried request', async () => {
    agent.onGetHost = (req, a) => {
      // Answer only the second attempt's arrival, so the answer may match either attempt: same seq.
      if (a.hostRequests.length === 2) answerSucc(req, a);
    };
    const c = client({ timeoutMs: 20, retries: 3 });
    expect((await c.getHost(3, 1)).ret).toBe(RetCode.SUCC);
    expect(c.stats()).toMatchObject({ retries: 1, timeouts: 0, replies: 1 });
  });

  it('matches many concurrent getHost calls by seq, whatever order the replies come in', async () => {
    const held: HostRequest[] = [];
    agent.onGetHost = (req) => held.push(req);
    const c = client({ timeoutMs: 5_000, retries: 0 });
    const keys = Array.from({ length: 300 }, (_, i) => [1 + (i % 7), 1 + (i % 11)] as const);
    const results = Promise.all(keys.map(([m, k]) => c.getHost(m, k)));
    await until(() => held.length === keys.length, 'every request');
    for (const req of held.reverse()) answerSucc(req, agent);
    const answers = await results;
    answers.forEach((a, i) => {
      const [m, k] = keys[i];
      expect(a).toEqual({ ret: RetCode.SUCC, host: { ip: '192.168.1.177', port: 1000 * m + k } });
    });
    expect(c.stats()).toMatchObject({ replies: keys.length, staleReplies: 0, inFlight: 0 });
  });

  it('answers SYSTEM_ERROR with LARS_AGENT_ERROR when the agent says SYSTEM_ERROR', async () => {
    agent.onGetHost = (req, a) => a.replyHost(req, { ...req.message, retcode: RetCode.SYSTEM_ERROR });
    expectSystemError(await client().getHost(2, 2), ClientErrorCode.AGENT_ERROR);
  });

  it('concurrent getRoute calls for one key share one request', async () => {
    const held: RouteRequest[] = [];
    agent.onGetRoute = (req) => held.push(req);
    // One attempt per call: an empty answer is final (the wait for a first route has its own test).
    const c = client({ timeoutMs: 5_000, routeWaitAttempts: 1 });
    const calls = Array.from({ length: 5 }, () => c.getRoute(3, 4));
    const other = c.getRoute(4, 3);
    await until(() => held.length === 2, 'the two route requests');
    const hosts = [
      { ip: IP_177, port: 1 },
      { ip: ipToInt('10.0.0.2'), port: 2 },
    ];
    for (const req of held) agent.replyRoute(req, { ...req.message, host: req.message.modid === 3 ? hosts : [] });
    const results = await Promise.all(calls);
    const expected = [
      { ip: '192.168.1.177', port: 1 },
      { ip: '10.0.0.2', port: 2 },
    ];
    for (const r of results) expect(r).toEqual({ ret: RetCode.SUCC, hosts: expected });
    expect(results[0].hosts).not.toBe(results[1].hosts);
    expect(await other).toEqual({ ret: RetCode.NOEXIST, hosts: [] });
    expect(agent.routeRequests.filter((r) => r.message.modid === 3)).toHaveLength(1);
    expect(c.stats()).toMatchObject({ replies: 2, staleReplies: 0 });
  });

  it('regInit asks for the route up to 3 times while it is empty', async () => {
    agent.onGetRoute = (req, a) => {
      const ready = a.routeRequests.length >= 2;
      a.replyRoute(req, { ...req.message, host: ready ? [{ ip: IP_177, port: 5 }] : [] });
    };
    const c = client({ routeWaitIntervalMs: 5 });
    expect(await c.regInit(6, 6)).toBe(RetCode.SUCC);
    expect(agent.routeRequests).toHaveLength(2);

    agent.onGetRoute = (req, a) => a.replyRoute(req, { ...req.message, host: [] });
    expect(await c.regInit(6, 7)).toBe(RetCode.NOEXIST);
    expect(agent.routeRequests).toHaveLength(5);
    // The key is known now: getHost does not wait again.
    agent.onGetHost = (req, a) => a.replyHost(req, { ...req.message, retcode: RetCode.NOEXIST });
    expect(await c.getHost(6, 7)).toEqual({ ret: RetCode.NOEXIST });
    expect(agent.hostRequests).toHaveLength(1);
  });

  it('the first getRoute of a key waits out NOEXIST like getHost; later empty answers are returned as is', async () => {
    const hosts = [{ ip: IP_177, port: 5 }];
    agent.onGetRoute = (req, a) =>
      a.replyRoute(req, { ...req.message, host: a.routeRequests.length >= 3 ? hosts : [] });
    const c = client({ routeWaitIntervalMs: 5 });
    expect(await c.getRoute(6, 8)).toEqual({ ret: RetCode.SUCC, hosts: [{ ip: '192.168.1.177', port: 5 }] });
    expect(agent.routeRequests).toHaveLength(3);
    agent.onGetRoute = (req, a) => a.replyRoute(req, { ...req.message, host: [] });
    expect(await c.getRoute(6, 8)).toEqual({ ret: RetCode.NOEXIST, hosts: [] });
    expect(agent.routeRequests).toHaveLength(4);
    // A key still empty after routeWaitAttempts counts as seen: the next call does not wait again.
    expect(await c.getRoute(6, 9)).toEqual({ ret: RetCode.NOEXIST, hosts: [] });
    expect(agent.routeRequests).toHaveLength(7);
    expect(await c.getRoute(6, 9)).toEqual({ ret: RetCode.NOEXIST, hosts: [] });
    expect(agent.routeRequests).toHaveLength(8);
  });

  it('regInit is SYSTEM_ERROR when the agent does not answer', async () => {
    expect(await client({ timeoutMs: 10, retries: 1 }).regInit(1, 1)).toBe(RetCode.SYSTEM_ERROR);
  });

  it('report sends the golden ReportRequest, with timecost only when given', async () => {
    agent.onGetRoute = (req, a) => a.replyRoute(req, { ...req.message, host: [] });
    const c = client();
    await c.getRoute(0, 0);
    c.report(1, 2, { ip: '192.168.1.177', port: 7777 }, 1);
    c.report(1, 2, { ip: '192.168.1.177', port: 7777 }, 1, 1000);
    c.report(1, 2, { ip: '192.168.1.177', port: 7777 }, 0, 12.4);
    await until(() => agent.reports.length === 3, 'three reports');
    expect(agent.reports[0].body.toString('hex')).toBe('080110021a0e08b183a085fcffffffff0110e13c2001');
    expect(agent.reports[1].body.toString('hex')).toBe('080110021a0e08b183a085fcffffffff0110e13c200128e807');
    expect(agent.reports[2].message).toMatchObject({ modid: 1, cmdid: 2, retcode: 0, timecost: 12 });
    expect(agent.reports.map((r) => r.portIndex)).toEqual([0, 0, 0]);
    expect(c.stats().reports).toBe(3);
  });

  it('a report made before the sockets are connected is still sent', async () => {
    const c = client();
    c.report(2, 2, { ip: '10.1.2.3', port: 80 }, 0, 5);
    await until(() => agent.reports.length === 1, 'the report');
    expect(agent.reports[0].message).toMatchObject({
      modid: 2,
      cmdid: 2,
      host: { ip: ipToInt('10.1.2.3'), port: 80 },
      timecost: 5,
    });
  });

  it('call runs the function on the picked host and reports success with its timecost', async () => {
    agent.onGetHost = answerSucc;
    const c = client();
    const result = await c.call(1, 5, async (host) => {
      await new Promise((r) => setTimeout(r, 20));
      return `${host.ip}:${host.port}`;
    });
    expect(result.ret).toBe(RetCode.SUCC);
    if (result.ret !== RetCode.SUCC) return;
    expect(result.value).toBe('192.168.1.177:1005');
    expect(result.host).toEqual({ ip: '192.168.1.177', port: 1005 });
    expect(result.timecostMs).toBeGreaterThan(0);
    await until(() => agent.reports.length === 1, 'the report');
    expect(agent.reports[0].message).toMatchObject({
      modid: 1,
      cmdid: 5,
      host: { ip: IP_177, port: 1005 },
      retcode: 0,
      timecost: result.timecostMs,
    });
  });

  it('call reports failure with the timecost and rethrows when the function throws', async () => {
    agent.onGetHost = answerSucc;
    const c = client();
    const boom = new Error('service down');
    await expect(
      c.call(2, 5, async () => {
        await new Promise((r) => setTimeout(r, 20));
        throw boom;
      }),
    ).rejects.toBe(boom);
    await until(() => agent.reports.length === 1, 'the report');
    expect(agent.reports[0].message.retcode).toBe(1);
    expect(agent.reports[0].message.timecost).toBeGreaterThan(0);
  });

  it('call returns the getHost outcome without running the function when there is no host', async () => {
    agent.onGetHost = (req, a) => a.replyHost(req, { ...req.message, retcode: RetCode.OVERLOAD });
    let ran = false;
    const result = await client().call(3, 3, async () => {
      ran = true;
    });
    expect(result).toEqual({ ret: RetCode.OVERLOAD });
    expect(ran).toBe(false);
    expect(agent.reports).toHaveLength(0);
  });

  it('close() settles pending calls with LARS_CLOSED; later calls throw LarsError CLOSED', async () => {
    const c = client({ timeoutMs: 10_000 });
    const host = c.getHost(1, 1);
    const route = c.getRoute(1, 1);
    const init = c.regInit(2, 1);
    await until(() => agent.hostRequests.length === 1 && agent.routeRequests.length === 2, 'the requests');
    await c.close();
    expectSystemError(await host, ClientErrorCode.CLOSED);
    const r = await route;
    expect(r.ret).toBe(RetCode.SYSTEM_ERROR);
    if (r.ret === RetCode.SYSTEM_ERROR) expect(r.error.code).toBe(ClientErrorCode.CLOSED);
    expect(await init).toBe(RetCode.SYSTEM_ERROR);
    for (const use of [
      () => c.getHost(1, 1),
      () => c.getRoute(1, 1),
      () => c.regInit(1, 1),
      () => c.report(1, 1, { ip: '1.2.3.4', port: 1 }, 0),
    ]) {
      expect(use).toThrow(LarsError);
      expect(use).toThrow(expect.objectContaining({ code: ErrorCode.CLOSED }));
    }
    await c.close();
  });

  it('reads the agent address from the env option; explicit options win over it', async () => {
    agent.onGetHost = answerSucc;
    const fromEnv = client({
      basePort: undefined,
      env: { LARS_AGENT_IP: '127.0.0.1', LARS_AGENT_BASE_PORT: String(agent.basePort) },
    });
    expect([fromEnv.host, fromEnv.basePort]).toEqual(['127.0.0.1', agent.basePort]);
    expect(await fromEnv.getHost(1, 2)).toEqual({ ret: RetCode.SUCC, host: { ip: '192.168.1.177', port: 1002 } });
    // The variables name a port nothing listens on, and a malformed one: the explicit options are used, unchecked against them.
    const explicit = client({ host: '127.0.0.1', env: { LARS_AGENT_IP: 'nohost', LARS_AGENT_BASE_PORT: '1' } });
    expect(explicit.basePort).toBe(agent.basePort);
    expect(await explicit.getHost(2, 3)).toEqual({ ret: RetCode.SUCC, host: { ip: '192.168.1.177', port: 2003 } });
    expect(agent.hostRequests).toHaveLength(2);
  });

  it('close() right after the constructor settles a call made before the sockets connected', async () => {
    const c = client();
    const pending = c.getHost(1, 1);
    await c.close();
    expectSystemError(await pending, ClientErrorCode.CLOSED);
  });
});

describe('LarsClient misuse', () => {
  const badOption = expect.objectContaining({ code: ErrorCode.BAD_OPTION });

  it('rejects bad options, naming them', () => {
    const cases: Array<[LarsClientOptions, string]> = [
      [{ basePort: 0 }, 'basePort'],
      [{ basePort: 65534 }, 'basePort'],
      [{ basePort: 1.5 }, 'basePort'],
      [{ timeoutMs: 0 }, 'timeoutMs'],
      [{ timeoutMs: Number.NaN }, 'timeoutMs'],
      [{ retries: -1 }, 'retries'],
      [{ retries: 0.5 }, 'retries'],
      [{ host: '' }, 'host'],
      [{ routeWaitAttempts: 0 }, 'routeWaitAttempts'],
      [{ routeWaitIntervalMs: -1 }, 'routeWaitIntervalMs'],
      [{ recvBufferSize: 0 }, 'recvBufferSize'],
      [
        { env: { LARS_AGENT_IP: '1.2.3' } },
        'environment variable LARS_AGENT_IP must be an IPv4 address like 127.0.0.1, got "1.2.3"',
      ],
      [
        { env: { LARS_AGENT_BASE_PORT: 'eighty' } },
        'LARS_AGENT_BASE_PORT must be an integer in 1..65533, got "eighty"',
      ],
      [{ host: '127.0.0.1', env: { LARS_AGENT_BASE_PORT: '70000' } }, 'LARS_AGENT_BASE_PORT'],
    ];
    for (const [options, name] of cases) {
      expect(() => new LarsClient(options)).toThrow(badOption);
      expect(() => new LarsClient(options)).toThrow(name);
    }
  });

  it('rejects bad arguments with BAD_OPTION', async () => {
    const c = client();
    for (const [m, k] of [
      [1.5, 1],
      [1, -1],
      [Number.NaN, 1],
      [2 ** 31, 1],
    ]) {
      expect(() => c.getHost(m, k)).toThrow(badOption);
      expect(() => c.getRoute(m, k)).toThrow(badOption);
      expect(() => c.regInit(m, k)).toThrow(badOption);
    }
    const report =
      (host: { ip: string; port: number }, retcode = 0, timecost?: number) =>
      () =>
        c.report(1, 1, host, retcode, timecost);
    expect(report({ ip: '1.2.3', port: 1 })).toThrow('host.ip');
    expect(report({ ip: '1.2.3.256', port: 1 })).toThrow(badOption);
    expect(report({ ip: '1.2.3.4', port: 70_000 })).toThrow('host.port');
    expect(report({ ip: '1.2.3.4', port: 1 }, 0.5)).toThrow('retcode');
    expect(report({ ip: '1.2.3.4', port: 1 }, 0, -1)).toThrow('timecostMs');
    await expect(c.call(1.5, 1, async () => 1)).rejects.toThrow(badOption);
    expect(agent.reports).toHaveLength(0);
  });
});
