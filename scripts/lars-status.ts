// `./run_lars.sh status` (and `start`'s readiness check): which daemons that
// `start` started are running, their ports (from their config files, with
// LARS_<SECTION>_<KEY> overrides), and what their stats endpoint says
// (daemon-probe.ts: /healthz, /readyz).
//   node --conditions=lars-source --import tsx scripts/lars-status.ts [DAEMON...]          print the status
//   node --conditions=lars-source --import tsx scripts/lars-status.ts --wait [DAEMON...]   wait until every started daemon answers
// DAEMON: dns, reporter, lbagent, web (default all four). Exit status of the status:
// 0 every one runs and answers (ready or not), 1 one runs but does not answer
// or says it is not alive, 3 one is not running; of --wait: 0, or 1 when one
// died or did not come up within 60 s; 2 bad arguments.
// Environment: LARS_STATUS_ROOT, the directory holding conf/ and var/run,
// var/log (default: this checkout); LARS_STATUS_TIMEOUT_MS, how long each
// request to a stats port may take (default 1000).
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Config, exitQuietlyOnEpipe, statsEndpointFromConfig } from '@lars/reactor';
import { probeDaemon, probeHost, type Probe } from './daemon-probe.js';

const DEFAULTS = {
  root: fileURLToPath(new URL('..', import.meta.url)),
  timeoutMs: 1000,
  waitMs: 60_000,
  pollMs: 100,
} as const;
const MAX_TIMEOUT_MS = 60_000;

const Exit = { OK: 0, FAILED: 1, USAGE: 2, NOT_RUNNING: 3 } as const;

interface Daemon {
  name: string;
  /** Its package under packages/: what its command line runs (isDaemonPid). */
  pkg: string;
  conf: string;
  ports(c: Config): string;
  statsDefault: number;
}

const DAEMONS: readonly Daemon[] = [
  {
    name: 'dns',
    pkg: 'dns',
    conf: 'conf/lars_dns.conf',
    statsDefault: 7788,
    ports: (c) => `tcp ${c.getString('reactor', 'ip', '127.0.0.1')}:${c.getNumber('reactor', 'port', 7778)}`,
  },
  {
    name: 'reporter',
    pkg: 'reporter',
    conf: 'conf/lars_reporter.conf',
    statsDefault: 7789,
    ports: (c) => `tcp ${c.getString('reactor', 'ip', '127.0.0.1')}:${c.getNumber('reactor', 'port', 7779)}`,
  },
  {
    name: 'lbagent',
    pkg: 'agent',
    conf: 'conf/lars_lb_agent.conf',
    statsDefault: 8898,
    ports: (c) => {
      const base = c.getNumber('agent', 'base_port', 8888);
      return `udp ${c.getString('agent', 'ip', '127.0.0.1')}:${base}-${base + 2}`;
    },
  },
  {
    name: 'web',
    pkg: 'web',
    conf: 'conf/lars_web.conf',
    statsDefault: 7790,
    ports: (c) => `http ${c.getString('web', 'ip', '127.0.0.1')}:${c.getNumber('web', 'port', 7780)}`,
  },
];

interface Settings {
  root: string;
  timeoutMs: number;
  wait: boolean;
  daemons: readonly Daemon[];
}

class UsageError extends Error {}

function parseSettings(argv: readonly string[], env: NodeJS.ProcessEnv): Settings {
  const root = env.LARS_STATUS_ROOT === undefined || env.LARS_STATUS_ROOT === '' ? DEFAULTS.root : env.LARS_STATUS_ROOT;
  const rawTimeout = env.LARS_STATUS_TIMEOUT_MS;
  const timeoutMs = rawTimeout === undefined || rawTimeout === '' ? DEFAULTS.timeoutMs : Number(rawTimeout);
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > MAX_TIMEOUT_MS)
    throw new UsageError(`LARS_STATUS_TIMEOUT_MS=${rawTimeout} must be an integer 1..${MAX_TIMEOUT_MS} (ms)`);
  const names = argv.filter((a) => a !== '--wait');
  const daemons: Daemon[] = [];
  for (const name of names) {
    const daemon = DAEMONS.find((d) => d.name === name);
    if (daemon === undefined)
      throw new UsageError(`unknown daemon ${JSON.stringify(name)}: one of ${DAEMONS.map((d) => d.name).join(', ')}`);
    daemons.push(daemon);
  }
  return {
    root: resolve(root),
    timeoutMs,
    wait: argv.includes('--wait'),
    daemons: daemons.length > 0 ? daemons : DAEMONS,
  };
}

/** A daemon's stats endpoint as its config file says, or null with `[stats] port = 0`. */
interface Target {
  config: Config;
  stats: { host: string; port: number } | null;
}

function targetOf(s: Settings, d: Daemon): Target {
  const config = Config.load(join(s.root, d.conf));
  const { host, port } = statsEndpointFromConfig(config, d.statsDefault);
  return { config, stats: port === 0 ? null : { host: probeHost(host), port } };
}

function pidFile(s: Settings, name: string): string {
  return join(s.root, 'var', 'run', `${name}.pid`);
}

function pidOf(s: Settings, name: string): number | null {
  const file = pidFile(s, name);
  if (!existsSync(file)) return null;
  const pid = Number(readFileSync(file, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

/** The process's arguments from /proc/<pid>/cmdline, or null when it cannot be read (gone). */
function argvOf(pid: number): string[] | null {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8')
      .split('\0')
      .filter((a) => a !== '');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ESRCH' || code === 'EACCES') return null;
    throw err;
  }
}

/**
 * Whether `argv` is daemon `d` as run_lars.sh launches it (its is_daemon_pid,
 * the same rule): node running packages/<pkg>/dist/main.js or
 * packages/<pkg>/src/main.ts. A pid file can outlive its daemon and its pid
 * be reused by any process.
 */
function isDaemonArgv(d: { pkg: string }, argv: readonly string[]): boolean {
  if (argv.length === 0 || !/^node/.test(basename(argv[0]))) return false;
  const entry = new RegExp(`(^|/)packages/${d.pkg}/(dist/main\\.js|src/main\\.ts)$`);
  return argv.some((a) => entry.test(a));
}

/**
 * The pid of a running `d` from its pid file; a pid file whose pid now runs
 * something else is removed, with a message naming what holds it.
 */
function daemonPid(s: Settings, d: Daemon): { pid: number | null; stale: boolean } {
  const pid = pidOf(s, d.name);
  if (pid === null || !alive(pid)) return { pid, stale: pid !== null };
  const argv = argvOf(pid);
  if (argv === null || isDaemonArgv(d, argv)) return { pid, stale: false };
  rmSync(pidFile(s, d.name), { force: true });
  process.stderr.write(
    `${d.name}: pid file var/run/${d.name}.pid held ${pid}, which is not ${d.name} (${argv.join(' ')}); removed\n`,
  );
  return { pid: null, stale: false };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the pid exists but belongs to another user, so something runs under it.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// The daemon's own log (var/log/<name>.log, written through LARS_LOG_FILE) and
// what it wrote outside it (var/log/<name>.out: a crash trace, say).
function logTail(s: Settings, name: string): string {
  const parts: string[] = [];
  for (const file of [`${name}.log`, `${name}.out`]) {
    const path = join(s.root, 'var', 'log', file);
    const text = existsSync(path) ? readFileSync(path, 'utf8').trimEnd() : '';
    if (text !== '') parts.push(`--- var/log/${file}\n${text.split('\n').slice(-15).join('\n')}`);
  }
  return parts.length === 0 ? '(no log)' : parts.join('\n');
}

/** The state column, what the stats port said, and how that counts for the exit status. */
interface Verdict {
  state: string;
  detail: string;
  exit: (typeof Exit)[keyof typeof Exit];
}

function verdictOf(pid: number, probe: Probe | null): Verdict {
  if (probe === null)
    return { state: `running (pid ${pid})`, detail: 'only the pid is checked ([stats] port = 0)', exit: Exit.OK };
  switch (probe.state) {
    case 'not-answering':
      return { state: `not answering (pid ${pid})`, detail: probe.why, exit: Exit.FAILED };
    case 'not-live':
      return { state: `not alive (pid ${pid})`, detail: probe.reason, exit: Exit.FAILED };
    case 'no-health':
      return { state: `running (pid ${pid})`, detail: 'answers (no /healthz: an older daemon)', exit: Exit.OK };
    case 'live':
      return {
        state: `running (pid ${pid})`,
        detail: probe.ready ? 'ready' : `not ready: ${probe.reason}`,
        exit: Exit.OK,
      };
  }
}

async function status(s: Settings): Promise<number> {
  let notRunning = false;
  let failed = false;
  for (const d of s.daemons) {
    const target = targetOf(s, d);
    const { pid, stale } = daemonPid(s, d);
    const stats = target.stats === null ? 'stats off' : `stats http://${target.stats.host}:${target.stats.port}/stats`;
    let verdict: Verdict;
    if (pid === null || stale) {
      verdict = {
        state: pid === null ? 'not running' : `not running (stale pid ${pid})`,
        detail: '',
        exit: Exit.NOT_RUNNING,
      };
    } else {
      const probe = target.stats === null ? null : await probeDaemon(target.stats.host, target.stats.port, s.timeoutMs);
      verdict = verdictOf(pid, probe);
    }
    notRunning ||= verdict.exit === Exit.NOT_RUNNING;
    failed ||= verdict.exit === Exit.FAILED;
    const line = `${d.name.padEnd(9)} ${verdict.state.padEnd(26)} ${d.ports(target.config).padEnd(26)} ${stats.padEnd(37)} ${verdict.detail}`;
    process.stdout.write(`${line.trimEnd()}\n`);
  }
  return failed ? Exit.FAILED : notRunning ? Exit.NOT_RUNNING : Exit.OK;
}

/** Waits until every daemon with a pid file answers /healthz (or, for an older daemon, at all). */
async function waitStarted(s: Settings): Promise<number> {
  const deadline = Date.now() + DEFAULTS.waitMs;
  for (const d of s.daemons) {
    const { pid, stale } = daemonPid(s, d);
    if (pid === null) continue;
    const { stats } = targetOf(s, d);
    for (;;) {
      if (stale || !alive(pid)) {
        process.stderr.write(`${d.name} exited during start; its last lines:\n${logTail(s, d.name)}\n`);
        return Exit.FAILED;
      }
      if (stats === null) break;
      const probe = await probeDaemon(stats.host, stats.port, s.timeoutMs);
      if (probe.state === 'live' || probe.state === 'no-health') break;
      if (Date.now() > deadline) {
        const last = verdictOf(pid, probe);
        process.stderr.write(
          `${d.name} did not come up within ${DEFAULTS.waitMs / 1000} s (${last.state}: ${last.detail}); see var/log/${d.name}.log\n`,
        );
        return Exit.FAILED;
      }
      await new Promise((r) => setTimeout(r, DEFAULTS.pollMs));
    }
  }
  return Exit.OK;
}

// `./run_lars.sh status | head -1`: the reader leaving early is not an error.
exitQuietlyOnEpipe(process.stdout);
let settings: Settings | null = null;
try {
  settings = parseSettings(process.argv.slice(2), process.env);
} catch (err) {
  if (!(err instanceof UsageError)) throw err;
  process.stderr.write(`lars-status: ${err.message}\n`);
  process.exitCode = Exit.USAGE;
}
if (settings !== null) process.exitCode = settings.wait ? await waitStarted(settings) : await status(settings);
