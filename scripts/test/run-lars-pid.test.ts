// `run_lars.sh stop` trusts a pid file only when its pid is the daemon start
// launched (node running packages/<pkg>/{dist/main.js,src/main.ts}, read from
// /proc/<pid>/cmdline). The script runs from a copy in a directory of the
// test's own, so its var/run is that directory's, never the checkout's.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../test-support/repo-paths.js';

let root: string;
const children: ChildProcess[] = [];

function stop(): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('bash', [join(root, 'run_lars.sh'), 'stop'], { cwd: root, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : 1, stdout, stderr });
    });
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A process to hold a pid file's pid; killed by afterEach if the test did not end it. */
function startChild(file: string, args: string[]): ChildProcess {
  const child = spawn(file, args, { stdio: 'ignore' });
  children.push(child);
  return child;
}

const pidFile = (d: string) => join(root, 'var', 'run', `${d}.pid`);

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'lars-run-'));
  copyFileSync(join(REPO_ROOT, 'run_lars.sh'), join(root, 'run_lars.sh'));
  mkdirSync(join(root, 'var', 'run'), { recursive: true });
});

afterEach(async () => {
  for (const c of children.splice(0)) {
    if (c.exitCode === null && c.signalCode === null) {
      c.kill('SIGKILL');
      await once(c, 'exit');
    }
  }
  rmSync(root, { recursive: true, force: true });
});

describe('run_lars.sh stop and pid files', () => {
  it('does not kill an unrelated process a pid file holds: removes the file, saying what held it', async () => {
    const sleeper = startChild('sleep', ['1000']);
    const pid = sleeper.pid as number;
    writeFileSync(pidFile('dns'), `${pid}\n`);
    const run = await stop();
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toBe(`dns: pid file var/run/dns.pid held ${pid}, which is not dns (sleep 1000); removed\n`);
    expect(run.stdout).not.toContain('stopped dns');
    expect(alive(pid)).toBe(true);
    expect(existsSync(pidFile('dns'))).toBe(false);
  });

  it('stops a process whose command line is the daemon run_lars.sh launches, and removes its pid file', async () => {
    // node running packages/agent/dist/main.js as an argument: what `start` launches for lbagent.
    const daemon = startChild(process.execPath, ['-e', 'setInterval(() => {}, 1000)', 'packages/agent/dist/main.js']);
    const pid = daemon.pid as number;
    writeFileSync(pidFile('lbagent'), `${pid}\n`);
    const exited = once(daemon, 'exit');
    const run = await stop();
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toBe(`stopped lbagent (pid ${pid})\n`);
    const [, signal] = await exited;
    expect(signal).toBe('SIGTERM');
    expect(existsSync(pidFile('lbagent'))).toBe(false);
  });

  it('removes the pid file of a daemon that is gone, and one holding no pid', async () => {
    const gone = startChild('true', []);
    await once(gone, 'exit');
    writeFileSync(pidFile('dns'), `${gone.pid}\n`);
    writeFileSync(pidFile('reporter'), 'not a pid\n');
    const run = await stop();
    expect(run).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect(existsSync(pidFile('dns'))).toBe(false);
    expect(existsSync(pidFile('reporter'))).toBe(false);
  });
});
