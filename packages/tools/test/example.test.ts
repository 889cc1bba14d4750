import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePortRange } from '../../../test-support/ports.js';
import { until } from '../../../test-support/wait.js';
import { agentReports, LarsSystem, waitForRoute } from './system-harness.js';
import { runCaptured, runProcess } from './tool-harness.js';

const sys = new LarsSystem();
beforeAll(async () => {
  await sys.start();
  await sys.addHosts(5, 1, '192.168.1.177:9001', '192.168.1.178:9002');
  await waitForRoute(sys, 5, 1, 2);
});
afterAll(() => sys.stop());

describe('example', () => {
  it('prints each step of the flow and reports the host it got, exit 0', async () => {
    const before = agentReports(sys);
    const run = await runCaptured('example', ['5', '1', '--base-port', String(sys.basePort)]);
    expect(run.code).toBe(0);
    expect(run.err).toBe('');
    const [reg, route, ip1, ip2, host, report, ...rest] = run.lines;
    expect(rest).toEqual([]);
    expect(reg).toBe('regInit 5/1: SUCC');
    expect(route).toBe('getRoute 5/1: 2 hosts');
    expect([ip1, ip2].sort()).toEqual(['ip = 192.168.1.177, port = 9001', 'ip = 192.168.1.178, port = 9002']);
    const picked = /^getHost 5\/1: host is (192\.168\.1\.17[78]:900[12])$/.exec(host)?.[1];
    expect(picked).toBeDefined();
    expect(report).toBe(`report 5/1: report modid = 5, cmdid = 1 | ${picked} SUCC`);
    await until(() => agentReports(sys) > before, 'the report at the agent');
  });

  it('goes through NOEXIST for a key without hosts, exit 1', async () => {
    const run = await runCaptured('example', ['6', '1', '--base-port', String(sys.basePort)]);
    expect(run.code).toBe(1);
    expect(run.lines).toEqual([
      'regInit 6/1: NOEXIST',
      'getRoute 6/1: no route: NOEXIST (the route of 6/1 has no hosts: is it in RouteData?)',
      'getHost 6/1: no host: NOEXIST (the route of 6/1 has no hosts: is it in RouteData?)',
    ]);
  });

  it('stops at regInit when no agent answers, exit 1', async () => {
    const nowhere = await freePortRange(3);
    const run = await runCaptured('example', ['5', '1', '--base-port', String(nowhere)]);
    expect(run.code).toBe(1);
    expect(run.lines).toEqual([`regInit 5/1: SYSTEM_ERROR (is the agent running on 127.0.0.1:${nowhere}?)`]);
  });

  it('runs as a process, exit 0', async () => {
    const run = await runProcess(['example', '5', '1', '--base-port', String(sys.basePort)]);
    expect(run.code).toBe(0);
    expect(run.lines[0]).toBe('regInit 5/1: SUCC');
    expect(run.lines).toHaveLength(6);
  });
});
