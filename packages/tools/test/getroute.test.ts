import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePortRange } from '../../../test-support/ports.js';
import { until } from '../../../test-support/wait.js';
import { LarsSystem, waitForRoute } from './system-harness.js';
import { runCaptured, runProcess } from './tool-harness.js';

const sys = new LarsSystem();
beforeAll(async () => {
  await sys.start();
  await sys.addHosts(1, 2, '192.168.1.177:9001', '192.168.1.178:9002', '10.0.0.1:80');
  await waitForRoute(sys, 1, 2, 3);
  // 4/4 is in the DNS but no client has asked the agent for it yet.
  await sys.addHosts(4, 4, '10.4.4.1:4400');
  await until(() => (sys.dns.stats().tableRoutes as number) === 2, 'the DNS to load 4/4');
});
afterAll(() => sys.stop());

const HOST_LINES = ['ip = 10.0.0.1, port = 80', 'ip = 192.168.1.177, port = 9001', 'ip = 192.168.1.178, port = 9002'];

describe('getroute', () => {
  it('prints one `ip = IP, port = PORT` line per host, exit 0', async () => {
    const run = await runCaptured('getroute', ['1', '2', '--base-port', String(sys.basePort)]);
    expect(run.code).toBe(0);
    expect(run.err).toBe('');
    expect([...run.lines].sort()).toEqual(HOST_LINES);
  });

  it('prints the route of a key the agent has not pulled yet (it waits for the first pull, as gethost does)', async () => {
    const run = await runCaptured('getroute', ['4', '4', '--base-port', String(sys.basePort)]);
    expect(run.out).toBe('ip = 10.4.4.1, port = 4400\n');
    expect(run.code).toBe(0);
  });

  it('says NOEXIST for a key without hosts, exit 1', async () => {
    const run = await runCaptured('getroute', ['7', '7', '--base-port', String(sys.basePort)]);
    expect(run.code).toBe(1);
    expect(run.out).toBe('no route: NOEXIST (the route of 7/7 has no hosts: is it in RouteData?)\n');
  });

  it('says SYSTEM_ERROR when no agent answers, exit 1', async () => {
    const nowhere = await freePortRange(3);
    const run = await runCaptured('getroute', ['1', '2', '--base-port', String(nowhere)]);
    expect(run.code).toBe(1);
    expect(run.out).toMatch(/^no route: SYSTEM_ERROR LARS_[A-Z_]+ \(is the agent running on 127\.0\.0\.1:\d+\?\)\n$/);
  });

  it('runs as a process: exit 0 with the hosts, 1 without', async () => {
    const env = { LARS_AGENT_BASE_PORT: String(sys.basePort) };
    const ok = await runProcess(['getroute', '1', '2'], env);
    expect(ok.code).toBe(0);
    expect([...ok.lines].sort()).toEqual(HOST_LINES);
    const none = await runProcess(['getroute', '7', '8'], env);
    expect(none.code).toBe(1);
    expect(none.out).toContain('no route: NOEXIST');
  });
});
