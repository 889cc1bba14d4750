// The system driven the way the README drives it, on the default ports:
// run_lars.sh db, start (from the build), route add, test gethost, test
// simulator, stop; and its command-line manners: --help, --version, unknown
// options, a closed stdout, a stale build.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../test-support/repo-paths.js';
import { until } from '../../test-support/wait.js';

const MODID = 4242;
const LOG_MAX_BYTES = 4096;
const ROOT_VERSION = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  out: string;
}

function run(file: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { cwd: REPO_ROOT, timeout: 120_000, env: { ...process.env, ...env } },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
        resolve({ code, stdout, stderr, out: stdout + stderr });
      },
    );
  });
}

const runLars = (...args: string[]): Promise<Run> => run('bash', ['run_lars.sh', ...args]);

function pids(): number[] {
  return ['dns', 'reporter', 'lbagent', 'web']
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
  it('db, start from the build, route add, test gethost, test simulator, stop', async () => {
    expect((await runLars('db')).code).toBe(0);
    // A checkout's earlier runs leave logs near the cap: start from none, so the
    // first lines of this start are in the live file, not rotated into .log.1.
    const logs = join(REPO_ROOT, 'var', 'log');
    if (existsSync(logs)) for (const f of readdirSync(logs)) if (/\.log(\.\d+)?$/.test(f)) rmSync(join(logs, f));

    const start = await run('bash', ['run_lars.sh', 'start'], { LARS_LOG_MAX_BYTES: String(LOG_MAX_BYTES) });
    expect(start.code, start.out).toBe(0);
    const started = pids();
    expect(started).toHaveLength(4);
    // From the build, no tsx: node packages/<pkg>/dist/main.js CONF.
    for (const pid of started) {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      expect(argv.join(' ')).toMatch(/^\S*node packages\/(dns|reporter|agent|web)\/dist\/main\.js conf\/\S+\.conf $/);
      expect(argv).not.toContain('tsx');
    }
    // Each daemon logs into its own size-capped var/log/<daemon>.log (JSON lines).
    for (const [d, bin] of [
      ['dns', 'lars-dns'],
      ['reporter', 'lars-reporter'],
      ['lbagent', 'lars-agent'],
      ['web', 'lars-web'],
    ]) {
      const log = join(REPO_ROOT, 'var', 'log', `${d}.log`);
      expect(readFileSync(log, 'utf8')).toContain(`"msg":"${bin} starting"`);
      expect(statSync(log).size).toBeLessThanOrEqual(LOG_MAX_BYTES);
    }

    const status = await runLars('status');
    expect(status.out).toMatch(/dns\s+running/);
    expect(status.out).toMatch(/reporter\s+running/);
    expect(status.out).toMatch(/lbagent\s+running/);
    expect(status.out).toMatch(/web\s+running/);
    // A reader that stops early (head, or one that reads nothing) ends status quietly.
    for (const reader of ['head -1', 'true']) {
      const piped = await run('bash', ['-c', `bash run_lars.sh status | ${reader}`]);
      expect(piped.code, piped.out).toBe(0);
      expect(piped.stderr).toBe('');
    }
    expect((await run('bash', ['-c', 'bash run_lars.sh status | head -1'])).stdout).toMatch(/^dns\s+running.*\n$/);

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

  it('answers --help and --version of a command or a daemon without doing anything else', async () => {
    const help = await runLars('start', '--help');
    expect(help.code, help.out).toBe(0);
    expect(help.stdout).toMatch(/^usage: \.\/run_lars\.sh start /);
    expect(pids()).toEqual([]);
    expect(await runLars('stop', '--version')).toMatchObject({ code: 0, stdout: `lars-ts ${ROOT_VERSION}\n` });
    expect((await runLars('dns', '--help')).stdout).toMatch(/^usage: \.\/run_lars\.sh dns \[CONF\]/);

    const dnsVersion = (
      JSON.parse(readFileSync(join(REPO_ROOT, 'packages/dns/package.json'), 'utf8')) as { version: string }
    ).version;
    expect(await run('node', ['packages/dns/dist/main.js', '--version'])).toMatchObject({
      code: 0,
      stdout: `lars-dns ${dnsVersion}\n`,
    });
    const daemonHelp = await run('node', ['packages/agent/dist/main.js', '--help']);
    expect(daemonHelp.code).toBe(0);
    expect(daemonHelp.stdout).toMatch(/^usage: lars-agent \[CONF\]/);
    expect(daemonHelp.stdout).toContain('LARS_CONF');
  });

  it('exits 2 with the usage of the command for an unknown option', async () => {
    const start = await runLars('start', '--frobnicate');
    expect(start.code).toBe(2);
    expect(start.stderr).toContain('run_lars.sh start: unknown option --frobnicate');
    expect(start.stderr).toContain('usage: ./run_lars.sh start');
    expect(pids()).toEqual([]);

    const daemon = await run('node', ['packages/reporter/dist/main.js', '--frobnicate']);
    expect(daemon.code).toBe(2);
    expect(daemon.stderr).toMatch(/^lars-reporter: unknown option --frobnicate\nusage: lars-reporter \[CONF\]/);
    expect(daemon.stderr).not.toMatch(/\n\s+at /);
  });

  it('refuses a stale build, saying how to fix it', async () => {
    // Makes one package's build older than every source, and puts its time back afterwards.
    const info = join(REPO_ROOT, 'packages', 'dns', 'dist', '.tsbuildinfo');
    const { atime, mtime } = statSync(info);
    utimesSync(info, new Date(0), new Date(0));
    try {
      for (const cmd of ['start', 'dns']) {
        const r = await runLars(cmd);
        expect(r.code, r.out).toBe(1);
        expect(r.stderr).toMatch(/the build is stale: \S+ is newer than packages\/\w+\/dist\/\.tsbuildinfo/);
        expect(r.stderr).toContain('fix: pnpm build');
        expect(r.stderr).toContain(`LARS_FROM_SOURCE=1 ./run_lars.sh ${cmd}`);
      }
      expect(pids()).toEqual([]);
    } finally {
      utimesSync(info, atime, mtime);
    }
  });

  it('status and stop leave alone an unrelated process a pid file holds, and remove the file', async () => {
    const runDir = join(REPO_ROOT, 'var', 'run');
    mkdirSync(runDir, { recursive: true });
    const sleeper = spawn('sleep', ['1000'], { stdio: 'ignore' });
    const file = join(runDir, 'dns.pid');
    const message = `dns: pid file var/run/dns.pid held ${sleeper.pid}, which is not dns (sleep 1000); removed\n`;
    try {
      writeFileSync(file, `${sleeper.pid}\n`);
      const status = await runLars('status');
      expect(status.stdout).toMatch(/^dns +not running +tcp /m);
      expect(status.stderr).toContain(message);
      expect(existsSync(file)).toBe(false);
      writeFileSync(file, `${sleeper.pid}\n`);
      const stop = await runLars('stop');
      expect(stop).toMatchObject({ code: 0, stderr: message });
      expect(existsSync(file)).toBe(false);
      expect(alive(sleeper.pid as number)).toBe(true);
    } finally {
      sleeper.kill('SIGKILL');
      rmSync(file, { force: true });
    }
  });

  it('prints the usage and exits non-zero for an unknown command', async () => {
    const r = await runLars('frobnicate');
    expect(r.code).not.toBe(0);
    expect(r.out).toContain('usage: ./run_lars.sh');
  });
});
