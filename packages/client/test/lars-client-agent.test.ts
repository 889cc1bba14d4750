// The SDK against the real agent, DNS, reporter and MariaDB (test-support/lars-system.ts).
// Tests run in order and the last one stops the agent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RetCode } from '@lars/proto';
import { ClientErrorCode, LarsClient } from '../src/index.js';
import type { GetHostResult, HostAddress, LarsClientOptions } from '../src/index.js';
import { LarsSystem } from '../../../test-support/lars-system.js';
import { until } from '../../../test-support/wait.js';

const sys = new LarsSystem();
const clients: LarsClient[] = [];

/** Routes of the file, "ip:port" per host; each test uses its own keys. */
const ROUTES = new Map<string, string[]>([
  ['101:1', ['10.1.1.1:1001', '10.1.1.2:1002']],
  ['102:1', ['10.1.2.1:2001']],
  ['103:1', ['192.168.1.177:3001']],
  ['104:1', ['10.1.4.1:4001', '10.1.4.2:4002']],
  ['120:1', ['10.3.0.1:3000']],
]);
const BUSY_KEYS = [110, 111, 112, 113, 114, 115].map((modid) => [modid, 2] as const);
for (const [modid, cmdid] of BUSY_KEYS)
  ROUTES.set(`${modid}:${cmdid}`, [`10.2.${modid}.1:${modid}1`, `10.2.${modid}.2:${modid}2`]);

function client(options: LarsClientOptions = {}): LarsClient {
  const c = new LarsClient({ basePort: sys.basePort, ...options });
  clients.push(c);
  return c;
}

const agentStats = () => sys.agent.stats() as Record<string, number>;
const text = (h: HostAddress) => `${h.ip}:${h.port}`;

function expectHostOf(result: GetHostResult, modid: number, cmdid: number): void {
  expect(result.ret).toBe(RetCode.SUCC);
  if (result.ret === RetCode.SUCC) expect(ROUTES.get(`${modid}:${cmdid}`)).toContain(text(result.host));
}

beforeAll(async () => {
  await sys.start({ loadBalance: { reportIntervalMs: 100, updateTimeoutMs: 3_600_000 } });
  for (const [key, hosts] of ROUTES) {
    const [modid, cmdid] = key.split(':').map(Number);
    await sys.addHosts(modid, cmdid, ...hosts);
  }
  // The DNS has every route and the agent is connected to it; the agent itself has pulled none yet.
  await until(() => (sys.dns.stats().tableRoutes as number) === ROUTES.size, 'the DNS to load the routes');
  await until(() => sys.agent.stats().dnsConnected === true, 'the agent to connect to the DNS');
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await sys.stop();
});

describe('LarsClient with the real agent', () => {
  it('regInit, getRoute, getHost and report work', async () => {
    const c = client();
    expect(await c.regInit(101, 1)).toBe(RetCode.SUCC);
    const route = await c.getRoute(101, 1);
    expect(route.ret).toBe(RetCode.SUCC);
    expect(route.hosts.map(text).sort()).toEqual(ROUTES.get('101:1'));
    const picked = await c.getHost(101, 1);
    expectHostOf(picked, 101, 1);
    expect(await c.getRoute(999, 1)).toEqual({ ret: RetCode.NOEXIST, hosts: [] });

    const reportsBefore = agentStats().reportRequests;
    if (picked.ret === RetCode.SUCC) c.report(101, 1, picked.host, 0, 12);
    await until(() => agentStats().reportRequests > reportsBefore, 'the agent to count the report');
    expect(agentStats().reportsUnknownHost).toBe(0);
  });

  it('the first getHost on a key the agent has not pulled yet succeeds (no NOEXIST)', async () => {
    const c = client();
    const picked = await c.getHost(103, 1);
    expect(picked).toEqual({ ret: RetCode.SUCC, host: { ip: '192.168.1.177', port: 3001 } });
    // The agent answered NOEXIST first (it had to pull the route): the client asked again.
    expect(c.stats().replies).toBeGreaterThanOrEqual(2);
  });

  it('the first getRoute on a key the agent has not pulled yet returns its hosts (no NOEXIST)', async () => {
    const c = client();
    const route = await c.getRoute(104, 1);
    expect(route.ret).toBe(RetCode.SUCC);
    expect(route.hosts.map(text).sort()).toEqual(ROUTES.get('104:1'));
    // The agent answered with no host first (it had to pull the route): the client asked again.
    expect(c.stats().replies).toBeGreaterThanOrEqual(2);
  });

  it('1,000 concurrent getHost calls on one client all resolve with their own answers', async () => {
    const c = client({ timeoutMs: 2_000 });
    expect(await Promise.all(BUSY_KEYS.map(([m, k]) => c.regInit(m, k)))).toEqual(BUSY_KEYS.map(() => RetCode.SUCC));
    const asks = Array.from({ length: 1000 }, (_, i) => BUSY_KEYS[i % BUSY_KEYS.length]);
    const results = await Promise.all(asks.map(([m, k]) => c.getHost(m, k)));
    for (const [i, r] of results.entries()) expectHostOf(r, asks[i][0], asks[i][1]);
    expect(c.stats()).toMatchObject({ timeouts: 0, inFlight: 0 });
    expect(c.stats().replies).toBeGreaterThanOrEqual(1000 + BUSY_KEYS.length);
  });

  it('call reports failures with their timecost: 15 failing calls in a row overload the host', async () => {
    const c = client();
    const before = agentStats();
    const boom = new Error('the service failed');
    for (let i = 0; i < 15; i++) {
      await expect(
        c.call(120, 1, async (host) => {
          expect(text(host)).toBe('10.3.0.1:3000');
          await new Promise((r) => setTimeout(r, 2));
          throw boom;
        }),
      ).rejects.toBe(boom);
    }
    await until(() => agentStats().toOverload > before.toOverload, 'the host to go to overload');
    expect(agentStats().reportRequests - before.reportRequests).toBeGreaterThanOrEqual(15);
    expect(c.stats().reports).toBe(15);
    expect((await c.getHost(120, 1)).ret).toBe(RetCode.OVERLOAD);
  });

  it('a successful call returns the value and is reported', async () => {
    const c = client();
    const before = agentStats().reportRequests;
    const result = await c.call(102, 1, async (host) => `called ${text(host)}`);
    expect(result).toMatchObject({
      ret: RetCode.SUCC,
      value: 'called 10.1.2.1:2001',
      host: { ip: '10.1.2.1', port: 2001 },
    });
    await until(() => agentStats().reportRequests > before, 'the report');
  });

  it('a stopped agent makes calls fail at once with LARS_AGENT_UNREACHABLE, never hang', async () => {
    // A timeout no call may wait out: every outcome below comes from the ICMP port unreachable.
    const c = client({ timeoutMs: 600_000, retries: 2 });
    expectHostOf(await c.getHost(102, 1), 102, 1);
    await sys.agent.close();
    const host = await c.getHost(102, 1);
    expect(host.ret).toBe(RetCode.SYSTEM_ERROR);
    if (host.ret === RetCode.SYSTEM_ERROR) expect(host.error.code).toBe(ClientErrorCode.AGENT_UNREACHABLE);
    const route = await c.getRoute(102, 1);
    expect(route.ret).toBe(RetCode.SYSTEM_ERROR);
    if (route.ret === RetCode.SYSTEM_ERROR) expect(route.error.code).toBe(ClientErrorCode.AGENT_UNREACHABLE);
    const fresh = await c.getHost(105, 1);
    expect(fresh.ret).toBe(RetCode.SYSTEM_ERROR);
    expect(await c.regInit(106, 1)).toBe(RetCode.SYSTEM_ERROR);
    expect(c.stats()).toMatchObject({ unreachable: 4, timeouts: 0, retries: 0, inFlight: 0 });
  });
});
