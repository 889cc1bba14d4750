// The system driven the way the README drives it, on the default ports:
// run_lars.sh db, start, route add, test gethost, test simulator, stop.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../test-support/repo-paths.js';
import { until } from '../../test-support/wait.js';

const MODID = 4242;

function runLars(...args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile('bash', ['run_lars.sh', ...args], { cwd: REPO_ROOT, timeout: 120_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
      resolve({ code, out: stdout + stderr });
    });
  });
}

function pids(): number[] {
  return ['dns', 'reporter', 'lbagent']
    .map((d) => join(REPO_ROOT, 'var', 'run', `${d}.pid`))
    .filter((f) => existsSync(f))
    .map((f) => Number(readFileSync(f, 'utf8')));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

afterAll(async () => {
  await runLars('route', 'del', String(MODID), '1');
  await runLars('stop');
});

describe('run_lars.sh end to end (default ports)', () => {
  it('db, start, route add, test gethost, test simulator, stop', async () => {
    expect((await runLars('db')).code).toBe(0);

    const start = await runLars('start');
    expect(start.code, start.out).toBe(0);
    const started = pids();
    expect(started).toHaveLength(3);
    const status = await runLars('status');
    expect(status.out).toMatch(/dns\s+running/);
    expect(status.out).toMatch(/reporter\s+running/);
    expect(status.out).toMatch(/lbagent\s+running/);

    const add = await runLars('route', 'add', String(MODID), '1', '10.42.0.1', '4201');
    expect(add.code, add.out).toBe(0);
    expect((await runLars('route', 'add', String(MODID), '1', '10.42.0.2', '4202')).code).toBe(0);

    const gethost = await runLars('test', 'gethost', String(MODID), '1');
    expect(gethost.code, gethost.out).toBe(0);
    expect(gethost.out).toMatch(/host is 10\.42\.0\.[12]:420[12]/);

    // The DNS pushes the second host within its check interval (1 s): wait until the agent has both.
    await until(
      async () =>
        (await runLars('test', 'getroute', String(MODID), '1')).out.split('\n').filter((l) => l.startsWith('ip = '))
          .length === 2,
      'both hosts at the agent',
      30_000,
    );

    const sim = await runLars('test', 'simulator', String(MODID), '1', '5', '20', '--interval-ms', '1');
    expect(sim.code, sim.out).toBe(0);
    const table = [...sim.out.matchAll(/ip : (\S+): success: (\d+); error: (\d+)/g)];
    expect(table.map((m) => m[1]).sort()).toEqual(['10.42.0.1:4201', '10.42.0.2:4202']);
    const errors = table.reduce((n, m) => n + Number(m[3]), 0);
    const successes = table.reduce((n, m) => n + Number(m[2]), 0);
    expect(errors).toBe(10);
    expect(successes).toBe(10);

    const stop = await runLars('stop');
    expect(stop.code, stop.out).toBe(0);
    for (const pid of started) expect(alive(pid)).toBe(false);
    expect(pids()).toEqual([]);
  });

  it('prints the usage and exits non-zero for an unknown command', async () => {
    const r = await runLars('frobnicate');
    expect(r.code).not.toBe(0);
    expect(r.out).toContain('usage: ./run_lars.sh');
  });
});
