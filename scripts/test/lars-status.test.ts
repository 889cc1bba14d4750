// `./run_lars.sh status` (scripts/lars-status.ts) against a real DNS run from
// source on free ports, with the pid file and config laid out as run_lars.sh
// lays them, under a directory of the test's own (LARS_STATUS_ROOT): never the
// checkout's var/run or the default ports. A SIGSTOPped daemon's pid lives but
// its stats port does not answer: the request timeout (short here) decides.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test-support/db.js';
import { mysqlSection, startDaemonProcess, type DaemonProcess } from '../../test-support/daemon-process.js';
import { freePort } from '../../test-support/ports.js';
import { REPO_ROOT } from '../../test-support/repo-paths.js';
import { SOURCE_NODE_ARGS } from '../../test-support/source-node.js';
import { until } from '../../test-support/wait.js';

const TIMEOUT_MS = 300;

let db: TestDatabase;
let dns: DaemonProcess;
let root: string;
let pid: number;
let port: number;
let statsPort: number;

const confText = (stats: number): string =>
  `[reactor]\nip = 127.0.0.1\nport = ${port}\n${mysqlSection(db)}[dns]\ncheck_interval = 0.2\n[stats]\nport = ${stats}\n`;

interface StatusRun {
  code: number | null;
  out: string;
  err: string;
}

async function runStatus(args: string[] = ['dns'], env: Record<string, string> = {}): Promise<StatusRun> {
  const child = spawn(process.execPath, [...SOURCE_NODE_ARGS, 'scripts/lars-status.ts', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, LARS_STATUS_ROOT: root, LARS_STATUS_TIMEOUT_MS: String(TIMEOUT_MS), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, out, err };
}

/** The process state letter of /proc/<pid>/stat: T once SIGSTOP took effect. */
function procState(p: number): string {
  return readFileSync(`/proc/${p}/stat`, 'utf8').replace(/^.*\) /s, '')[0];
}

beforeAll(async () => {
  db = await createTestDatabase();
  [port, statsPort] = [await freePort(), await freePort()];
  dns = startDaemonProcess('packages/dns/src/main.ts', confText(statsPort));
  await dns.waitForOutput('DNS serving', 'stats endpoint listening');
  pid = dns.child.pid as number;
  root = mkdtempSync(join(tmpdir(), 'lars-status-'));
  mkdirSync(join(root, 'conf'));
  mkdirSync(join(root, 'var', 'run'), { recursive: true });
  writeFileSync(join(root, 'conf', 'lars_dns.conf'), confText(statsPort));
  writeFileSync(join(root, 'var', 'run', 'dns.pid'), `${pid}\n`);
});

afterAll(async () => {
  dns?.child.kill('SIGCONT');
  await dns?.stop('SIGKILL');
  if (root !== undefined) rmSync(root, { recursive: true, force: true });
  await db?.drop();
});

describe('lars-status (run_lars.sh status)', () => {
  it('a running daemon: running, with what /healthz and /readyz say; exit 0', async () => {
    const run = await runStatus();
    expect(run).toMatchObject({ code: 0, err: '' });
    expect(run.out).toMatch(
      new RegExp(
        `^dns +running \\(pid ${pid}\\) +tcp 127\\.0\\.0\\.1:${port} +stats http://127\\.0\\.0\\.1:${statsPort}/stats +` +
          '(ready|not ready: .+|answers \\(no /healthz: an older daemon\\))\n$',
      ),
    );
    expect(await runStatus(['--wait', 'dns'])).toMatchObject({ code: 0, out: '', err: '' });
  });

  it('a stopped daemon: "not answering" and exit 1, from the request timeout; running again after SIGCONT', async () => {
    dns.child.kill('SIGSTOP');
    try {
      await until(() => procState(pid) === 'T', 'the DNS to stop');
      const stopped = await runStatus();
      expect(stopped.code).toBe(1);
      expect(stopped.out).toMatch(new RegExp(`^dns +not answering \\(pid ${pid}\\) `));
      expect(stopped.out).toContain(`no answer to /healthz within ${TIMEOUT_MS} ms (stopped or hung?)`);
    } finally {
      dns.child.kill('SIGCONT');
    }
    const resumed = await runStatus();
    expect(resumed.code).toBe(0);
    expect(resumed.out).toMatch(new RegExp(`^dns +running \\(pid ${pid}\\) `));
  });

  it('with [stats] port = 0 it can only check the pid', async () => {
    writeFileSync(join(root, 'conf', 'lars_dns.conf'), confText(0));
    try {
      const run = await runStatus();
      expect(run.code).toBe(0);
      expect(run.out).toMatch(
        new RegExp(
          `^dns +running \\(pid ${pid}\\) .* stats off +only the pid is checked \\(\\[stats\\] port = 0\\)\n$`,
        ),
      );
    } finally {
      writeFileSync(join(root, 'conf', 'lars_dns.conf'), confText(statsPort));
    }
  });

  it('refuses an unknown daemon and a bad timeout with exit 2', async () => {
    const unknown = await runStatus(['dnss']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('unknown daemon "dnss": one of dns, reporter, lbagent, web');
    const timeout = await runStatus(['dns'], { LARS_STATUS_TIMEOUT_MS: 'soon' });
    expect(timeout.code).toBe(2);
    expect(timeout.err).toContain('LARS_STATUS_TIMEOUT_MS=soon must be an integer');
  });

  it('a pid file holding an unrelated process: "not running", exit 3; the file is removed, the process left alone', async () => {
    const sleeper = spawn('sleep', ['1000'], { stdio: 'ignore' });
    const file = join(root, 'var', 'run', 'dns.pid');
    try {
      writeFileSync(file, `${sleeper.pid}\n`);
      const run = await runStatus();
      expect(run.code).toBe(3);
      expect(run.out).toMatch(/^dns +not running +tcp /);
      expect(run.err).toBe(
        `dns: pid file var/run/dns.pid held ${sleeper.pid}, which is not dns (sleep 1000); removed\n`,
      );
      expect(existsSync(file)).toBe(false);
      expect(sleeper.exitCode).toBeNull();
      expect(sleeper.signalCode).toBeNull();
      process.kill(sleeper.pid as number, 0);
    } finally {
      sleeper.kill('SIGKILL');
      await once(sleeper, 'exit');
      writeFileSync(file, `${pid}\n`);
    }
    expect((await runStatus()).out).toMatch(new RegExp(`^dns +running \\(pid ${pid}\\) `));
  });

  it('a daemon that exited: a stale pid is "not running", exit 3; --wait says it exited, exit 1', async () => {
    expect(await dns.stop('SIGTERM')).toBe(0);
    const stale = await runStatus();
    expect(stale.code).toBe(3);
    expect(stale.out).toMatch(new RegExp(`^dns +not running \\(stale pid ${pid}\\) `));
    const waited = await runStatus(['--wait', 'dns']);
    expect(waited.code).toBe(1);
    expect(waited.err).toContain('dns exited during start; its last lines:');
    rmSync(join(root, 'var', 'run', 'dns.pid'));
    const gone = await runStatus();
    expect(gone.code).toBe(3);
    expect(gone.out).toMatch(/^dns +not running +tcp /);
  });
});
