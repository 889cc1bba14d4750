// An agent that is not running: calls settle at once as LARS_AGENT_UNREACHABLE
// (the kernel's ICMP port unreachable on the connected sockets), none waits out
// its retries, and once a real agent listens on the port the same client works.
// Tests run in order: the first finds nothing on the ports, the second starts
// the agent there (test-support/lars-system.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RetCode } from '@lars/proto';
import { ClientErrorCode, LarsClient, LarsClientError, LarsError } from '../src/index.js';
import type { GetHostResult, GetRouteResult } from '../src/index.js';
import { LarsSystem } from '../../../test-support/lars-system.js';
import { freePortRange } from '../../../test-support/ports.js';
import { until } from '../../../test-support/wait.js';

const sys = new LarsSystem();
let basePort = 0;
let client: LarsClient;

/** Keys spread over the three agent ports ((modid + cmdid) % 3 = 0, 1, 2). */
const KEYS = Array.from({ length: 30 }, (_, i) => [200 + i, 1] as const);

function expectUnreachable(result: GetHostResult | GetRouteResult): void {
  expect(result.ret).toBe(RetCode.SYSTEM_ERROR);
  if (result.ret !== RetCode.SYSTEM_ERROR) return;
  expect(result.error).toBeInstanceOf(LarsClientError);
  expect(result.error).toBeInstanceOf(LarsError);
  expect(result.error.code).toBe(ClientErrorCode.AGENT_UNREACHABLE);
  expect(result.error.message).toMatch(/^the agent at 127\.0\.0\.1:\d+ is unreachable \(ECONNREFUSED/);
  expect(result.error.cause).toMatchObject({ code: 'ECONNREFUSED' });
}

beforeAll(async () => {
  basePort = await freePortRange(3);
  // A timeout no call may wait out: every outcome of the first test must come from the ICMP.
  client = new LarsClient({ basePort, timeoutMs: 600_000, retries: 2, env: {} });
});

afterAll(async () => {
  await client.close();
  await sys.stop();
});

describe('LarsClient when nothing listens on the agent ports', () => {
  it('settles every pending call at once with LARS_AGENT_UNREACHABLE, counted, without retries', async () => {
    const asks = Array.from({ length: 400 }, (_, i) => KEYS[i % KEYS.length]);
    const hosts = await Promise.all(asks.map(([m, k]) => client.getHost(m, k)));
    for (const r of hosts) expectUnreachable(r);
    expect(client.stats()).toMatchObject({ unreachable: 400, timeouts: 0, retries: 0, inFlight: 0 });
    expect(client.stats().sendFailures).toBeGreaterThanOrEqual(1);

    // Five concurrent getRoute calls share one request: it settles them all and counts once.
    const routes = await Promise.all(Array.from({ length: 5 }, () => client.getRoute(301, 1)));
    for (const r of routes) expectUnreachable(r);
    expect(await client.regInit(302, 1)).toBe(RetCode.SYSTEM_ERROR);
    const called = await client.call(303, 1, async () => 'never');
    expectUnreachable(called as GetHostResult);
    expect(client.stats()).toMatchObject({ unreachable: 403, timeouts: 0, retries: 0, inFlight: 0 });
  });

  it('the next call succeeds once an agent listens there (no "down" state kept)', async () => {
    await sys.start({ basePort });
    await sys.addHosts(200, 1, '10.20.0.1:2001');
    await sys.addHosts(201, 1, '10.20.1.1:2011', '10.20.1.2:2012');
    await until(() => (sys.dns.stats().tableRoutes as number) === 2, 'the DNS to load the routes');
    await until(() => sys.agent.stats().dnsConnected === true, 'the agent to connect to the DNS');
    const unreachableBefore = client.stats().unreachable;

    expect(await client.getHost(200, 1)).toEqual({ ret: RetCode.SUCC, host: { ip: '10.20.0.1', port: 2001 } });
    const route = await client.getRoute(201, 1);
    expect(route.ret).toBe(RetCode.SUCC);
    expect(route.hosts.map((h) => `${h.ip}:${h.port}`).sort()).toEqual(['10.20.1.1:2011', '10.20.1.2:2012']);
    expect(client.stats()).toMatchObject({ unreachable: unreachableBefore, timeouts: 0, inFlight: 0 });
  });
});
