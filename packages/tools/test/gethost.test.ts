import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePortRange } from '../../../test-support/ports.js';
import { LarsSystem, waitForRoute } from './system-harness.js';
import { runCaptured, runProcess } from './tool-harness.js';

// Two failures in a row overload a host, so the OVERLOAD answer is quick to reach.
const sys = new LarsSystem();
beforeAll(async () => {
  await sys.start({ loadBalance: { continErrLimit: 2 } });
  await sys.addHosts(1, 1, '192.168.1.177:9001');
  await sys.addHosts(3, 1, '10.0.3.1:3001');
  await waitForRoute(sys, 1, 1, 1);
  await waitForRoute(sys, 3, 1, 1);
});
afterAll(() => sys.stop());

describe('gethost', () => {
  it('prints `host is IP:PORT` and exits 0', async () => {
    const run = await runCaptured('gethost', ['1', '1', '--base-port', String(sys.basePort)]);
    expect(run).toMatchObject({ code: 0, out: 'host is 192.168.1.177:9001\n', err: '' });
  });

  it('takes the agent base port from LARS_AGENT_BASE_PORT', async () => {
    const run = await runCaptured('gethost', ['1', '1'], { env: { LARS_AGENT_BASE_PORT: String(sys.basePort) } });
    expect(run).toMatchObject({ code: 0, out: 'host is 192.168.1.177:9001\n' });
  });

  it('says NOEXIST for a key without hosts, exit 1', async () => {
    const run = await runCaptured('gethost', ['9', '9', '--base-port', String(sys.basePort)]);
    expect(run.code).toBe(1);
    expect(run.out).toBe('no host: NOEXIST (the route of 9/9 has no hosts: is it in RouteData?)\n');
  });

  it('says OVERLOAD once every host of the key is overloaded, exit 1', async () => {
    for (let i = 0; i < 2; i++) {
      const report = await runCaptured('report', [
        '3',
        '1',
        '10.0.3.1',
        '3001',
        '1',
        '--base-port',
        String(sys.basePort),
      ]);
      expect(report.code).toBe(0);
    }
    const run = await runCaptured('gethost', ['3', '1', '--base-port', String(sys.basePort)]);
    expect(run.code).toBe(1);
    expect(run.out).toBe('no host: OVERLOAD (every host of 3/1 is overloaded)\n');
  });

  it('says SYSTEM_ERROR and where it looked when no agent answers, exit 1', async () => {
    const nowhere = await freePortRange(3);
    const run = await runCaptured('gethost', ['1', '1', '--base-port', String(nowhere)]);
    expect(run.code).toBe(1);
    expect(run.out).toMatch(
      new RegExp(`^no host: SYSTEM_ERROR LARS_[A-Z_]+ \\(is the agent running on 127\\.0\\.0\\.1:${nowhere}\\?\\)\\n$`),
    );
  });

  it('runs as a process: exit 0 with a host, 2 on a usage error', async () => {
    const ok = await runProcess(['gethost', '1', '1'], { LARS_AGENT_BASE_PORT: String(sys.basePort) });
    expect(ok).toMatchObject({ code: 0, out: 'host is 192.168.1.177:9001\n' });
    const bad = await runProcess(['gethost', '1', 'one']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('CmdID must be an integer');
  });
});
