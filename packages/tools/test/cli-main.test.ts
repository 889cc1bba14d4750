// cli.ts, cli-main.ts and the package bins as real processes: exit codes,
// where the output goes, and SIGINT ending qps with its summary.
import { spawn } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { freePortRange } from '../../../test-support/ports.js';
import { until } from '../../../test-support/wait.js';
import { CLI, REPO_ROOT, runProcess } from './tool-harness.js';
import { SOURCE_NODE_ARGS } from '../../../test-support/source-node.js';

describe('cli.ts', () => {
  it('exits 2 without a tool or with an unknown one, listing the tools on stderr', async () => {
    const missing = await runProcess([]);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/^missing tool name\n/);
    expect(missing.err).toContain('  simulator ModID CmdID [errRate] [queryCnt]');
    const unknown = await runProcess(['nosuch', '1']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/^unknown tool "nosuch"/);
  });

  it('prints the list for help, exit 0', async () => {
    const run = await runProcess(['help']);
    expect(run.code).toBe(0);
    expect(run.out).toContain('  qps ThreadNum');
  });

  it('ends qps on SIGINT with its summary', async () => {
    const nowhere = await freePortRange(3);
    const child = spawn(
      process.execPath,
      [...SOURCE_NODE_ARGS, CLI, 'qps', '1', '--json', '--base-port', String(nowhere)],
      {
        cwd: REPO_ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      err += d;
      // The first per-second line: the run has started, so SIGINT stops it.
      if (err.includes('total --> qps')) child.kill('SIGINT');
    });
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child.on('exit', (c, s) => resolve([c, s])),
    );
    expect(signal).toBeNull();
    expect(code).toBe(1);
    const summary = JSON.parse(out.trim()) as { loops: number; errors: number };
    expect(summary.loops).toBe(0);
    expect(summary.errors).toBeGreaterThan(0);
  });
});

describe('package bins', () => {
  it('lars-gethost --help prints the gethost usage, exit 0', async () => {
    const run = await runProcess(['--help'], {}, 'packages/tools/bin/lars-gethost.mjs');
    expect(run.code).toBe(0);
    expect(run.out.split('\n')[0]).toBe('usage: gethost [options] ModID CmdID');
  });

  it('lars-report sends the report to the agent port of the key, exit 0', async () => {
    const base = await freePortRange(3);
    const sockets: Socket[] = [];
    const arrived: number[] = [];
    for (let i = 0; i < 3; i++) {
      const socket = createSocket('udp4');
      socket.on('message', () => arrived.push(i));
      await new Promise<void>((resolve) => socket.bind(base + i, '127.0.0.1', resolve));
      sockets.push(socket);
    }
    try {
      const run = await runProcess(
        ['2', '3', '10.0.0.9', '99', '0'],
        { LARS_AGENT_BASE_PORT: String(base) },
        'packages/tools/bin/lars-report.mjs',
      );
      expect(run).toMatchObject({ code: 0, out: 'report modid = 2, cmdid = 3 | 10.0.0.9:99 SUCC\n' });
      await until(() => arrived.length > 0, 'the report datagram');
      expect(arrived).toEqual([(2 + 3) % 3]);
    } finally {
      await Promise.all(sockets.map((s) => new Promise<void>((r) => s.close(() => r()))));
    }
  });

  it('every bin names its tool', async () => {
    const tools = ['getroute', 'example', 'simulator', 'qps'];
    const runs = await Promise.all(
      tools.map((tool) => runProcess(['--help'], {}, `packages/tools/bin/lars-${tool}.mjs`)),
    );
    runs.forEach((run, i) => {
      expect(run.code).toBe(0);
      expect(run.out).toMatch(new RegExp(`^usage: ${tools[i]} `));
    });
  });
});
