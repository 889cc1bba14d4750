import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../../../test-support/wait.js';
import { runTool } from '../src/index.js';
import { agentReports, LarsSystem, waitForRoute } from './system-harness.js';
import { Capture, runCaptured, runProcess } from './tool-harness.js';

// Failure reports must never overload a host here: the tests count hosts handed out.
const sys = new LarsSystem();
beforeAll(async () => {
  await sys.start({ loadBalance: { errRate: 1, continErrLimit: 1_000_000 } });
  await sys.addHosts(1, 1, '192.168.1.177:9001', '192.168.1.178:9002');
  await waitForRoute(sys, 1, 1, 2);
});
afterAll(() => sys.stop());

const TABLE_LINE = /^ip : (\d+\.\d+\.\d+\.\d+:\d+): success: (\d+); error: (\d+)$/;

/** The final table: host -> [success, error]. */
function table(lines: readonly string[]): Map<string, [number, number]> {
  const rows = new Map<string, [number, number]>();
  for (const line of lines) {
    const m = TABLE_LINE.exec(line);
    if (m !== null) rows.set(m[1], [Number(m[2]), Number(m[3])]);
  }
  return rows;
}

describe('simulator', () => {
  it('reports errRate tenths of the calls as failures and tallies them per host', async () => {
    const before = agentReports(sys);
    const run = await runCaptured('simulator', [
      '1',
      '1',
      '5',
      '20',
      '--interval-ms',
      '0',
      '--base-port',
      String(sys.basePort),
    ]);
    expect(run.code).toBe(0);
    expect(run.err).toBe('');
    const calls = run.lines.filter((l) => l.startsWith('call '));
    expect(calls).toHaveLength(20);
    // Call i (from 0) fails when i % 10 < 5.
    calls.forEach((line, i) => {
      expect(line).toMatch(
        new RegExp(`^call ${i + 1}: host 192\\.168\\.1\\.17[78]:900[12] ${i % 10 < 5 ? 'ERROR' : 'SUCCESS'}$`),
      );
    });
    const rows = table(run.lines);
    expect([...rows.keys()].sort()).toEqual(['192.168.1.177:9001', '192.168.1.178:9002']);
    let success = 0;
    let error = 0;
    for (const [host, [s, e]] of rows) {
      // The table agrees with the per-call lines.
      expect(s).toBe(calls.filter((l) => l.includes(host) && l.endsWith('SUCCESS')).length);
      expect(e).toBe(calls.filter((l) => l.includes(host) && l.endsWith('ERROR')).length);
      success += s;
      error += e;
    }
    expect([success, error]).toEqual([10, 10]);
    expect(run.lines.at(-1)).toMatch(TABLE_LINE);
    await until(() => agentReports(sys) >= before + 20, 'the 20 reports at the agent');
  });

  it('defaults to errRate 2 and 100 calls', async () => {
    const run = await runCaptured('simulator', ['1', '1', '--interval-ms', '0', '--base-port', String(sys.basePort)]);
    expect(run.code).toBe(0);
    expect(run.lines.filter((l) => l.startsWith('call '))).toHaveLength(100);
    const errors = [...table(run.lines).values()].reduce((n, [, e]) => n + e, 0);
    expect(errors).toBe(20);
  });

  it('shows a one-line progress display on a terminal, then the table', async () => {
    const run = await runCaptured('simulator', ['1', '1', '0', '5', '--base-port', String(sys.basePort)], {
      tty: true,
    });
    expect(run.code).toBe(0);
    expect(run.out).not.toContain('call 1:');
    expect(run.out).toContain('\r\x1b[Kcalls 5/5: success 5, error 0, no host 0\n');
    const rows = table(run.lines);
    expect([...rows.values()].reduce((n, [s]) => n + s, 0)).toBe(5);
  });

  it('stops early on the abort signal and still prints the table of the calls made', async () => {
    const controller = new AbortController();
    const stdout = new (class extends Capture {
      override write(chunk: string): boolean {
        if (chunk.startsWith('call 3:')) controller.abort();
        return super.write(chunk);
      }
    })();
    const stderr = new Capture();
    const argv = ['1', '1', '0', '1000', '--interval-ms', '0', '--base-port', String(sys.basePort)];
    const code = await runTool('simulator', argv, { stdout, stderr, signal: controller.signal });
    expect(code).toBe(0);
    expect(stdout.lines.filter((l) => l.startsWith('call '))).toHaveLength(3);
    expect([...table(stdout.lines).values()].reduce((n, [s]) => n + s, 0)).toBe(3);
  });

  it('counts calls without a host apart and exits 1 on NOEXIST', async () => {
    const run = await runCaptured('simulator', [
      '8',
      '8',
      '1',
      '3',
      '--interval-ms',
      '0',
      '--base-port',
      String(sys.basePort),
    ]);
    expect(run.code).toBe(1);
    expect(run.lines).toEqual([
      'call 1: no host: NOEXIST (the route of 8/8 has no hosts: is it in RouteData?)',
      'call 2: no host: NOEXIST (the route of 8/8 has no hosts: is it in RouteData?)',
      'call 3: no host: NOEXIST (the route of 8/8 has no hosts: is it in RouteData?)',
      'no host: NOEXIST: 3',
    ]);
  });

  it('runs as a process: exit 0 with the table, exit 2 for errRate out of range', async () => {
    const env = { LARS_AGENT_BASE_PORT: String(sys.basePort) };
    const ok = await runProcess(['simulator', '1', '1', '10', '4', '--interval-ms', '1'], env);
    expect(ok.code).toBe(0);
    expect([...table(ok.lines).values()].reduce((n, [, e]) => n + e, 0)).toBe(4);
    const bad = await runProcess(['simulator', '1', '1', '11'], env);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('errRate must be an integer in 0..10, got "11"');
  });
});
