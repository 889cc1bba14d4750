import { createSocket, type Socket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeBody, MessageId, intToIp } from '@lars/proto';
import { decodeDatagram } from '@lars/wire';
import { freePortRange } from '../../../test-support/ports.js';
import { until } from '../../../test-support/wait.js';
import { agentReports, LarsSystem, waitForRoute } from './system-harness.js';
import { runCaptured, runProcess } from './tool-harness.js';

const sys = new LarsSystem();
beforeAll(async () => {
  await sys.start();
  await sys.addHosts(1, 1, '192.168.1.177:9001');
  await waitForRoute(sys, 1, 1, 1);
});
afterAll(() => sys.stop());

/** Three UDP sockets standing in for the agent's ports, recording what arrives. */
async function fakeAgentPorts(): Promise<{ base: number; received: Buffer[][]; close: () => Promise<void> }> {
  const base = await freePortRange(3);
  const received: Buffer[][] = [[], [], []];
  const sockets: Socket[] = [];
  for (let i = 0; i < 3; i++) {
    const socket = createSocket('udp4');
    socket.on('message', (msg) => received[i].push(msg));
    await new Promise<void>((resolve) => socket.bind(base + i, '127.0.0.1', resolve));
    sockets.push(socket);
  }
  const close = () =>
    Promise.all(sockets.map((s) => new Promise<void>((r) => s.close(() => r())))).then(() => undefined);
  return { base, received, close };
}

describe('report', () => {
  it('prints the report line and the agent receives it, exit 0', async () => {
    const before = agentReports(sys);
    const ok = await runCaptured('report', [
      '1',
      '1',
      '192.168.1.177',
      '9001',
      '0',
      '--base-port',
      String(sys.basePort),
    ]);
    expect(ok).toMatchObject({ code: 0, out: 'report modid = 1, cmdid = 1 | 192.168.1.177:9001 SUCC\n', err: '' });
    const failed = await runCaptured('report', [
      '1',
      '1',
      '192.168.1.177',
      '9001',
      '1',
      '--base-port',
      String(sys.basePort),
    ]);
    expect(failed).toMatchObject({ code: 0, out: 'report modid = 1, cmdid = 1 | 192.168.1.177:9001 OVERLOAD\n' });
    await until(() => agentReports(sys) >= before + 2, 'both reports at the agent');
  });

  it('sends one ReportRequest with retcode 1 for a failure, to the port that owns the key', async () => {
    const agent = await fakeAgentPorts();
    try {
      const run = await runCaptured('report', ['4', '3', '10.1.2.3', '8080', '1', '--base-port', String(agent.base)]);
      expect(run.code).toBe(0);
      // (4 + 3) % 3 = 1
      await until(() => agent.received[1].length === 1, 'the report datagram');
      expect(agent.received[0].length + agent.received[2].length).toBe(0);
      const frame = decodeDatagram(agent.received[1][0]);
      if (typeof frame === 'string') throw new Error(`bad datagram: ${frame}`);
      expect(frame.msgid).toBe(MessageId.ReportRequest);
      const report = decodeBody(MessageId.ReportRequest, frame.body);
      expect(report.modid).toBe(4);
      expect(report.cmdid).toBe(3);
      expect(report.retcode).toBe(1);
      expect(intToIp(report.host?.ip ?? 0)).toBe('10.1.2.3');
      expect(report.host?.port).toBe(8080);
    } finally {
      await agent.close();
    }
  });

  it('runs as a process: exit 0 and the line, exit 2 for a bad result code', async () => {
    const before = agentReports(sys);
    const env = { LARS_AGENT_BASE_PORT: String(sys.basePort) };
    const ok = await runProcess(['report', '1', '1', '192.168.1.177', '9001', '0'], env);
    expect(ok).toMatchObject({ code: 0, out: 'report modid = 1, cmdid = 1 | 192.168.1.177:9001 SUCC\n' });
    await until(() => agentReports(sys) > before, 'the report at the agent');
    const bad = await runProcess(['report', '1', '1', '192.168.1.177', '9001', 'ok'], env);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('Result must be 0 (success) or 1 (failure), got "ok"');
  });
});
