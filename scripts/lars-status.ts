// `./run_lars.sh status` (and `start`'s readiness check): which daemons that
// `start` started are running, their ports (from their config files, with
// LARS_<SECTION>_<KEY> overrides), and whether their stats endpoint answers.
//   node --conditions=lars-source --import tsx scripts/lars-status.ts            print the status; exit 0 if all three run, 3 if not
//   node --conditions=lars-source --import tsx scripts/lars-status.ts --wait     wait until every started daemon answers; exit 1 if one died
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Config, exitQuietlyOnEpipe } from '@lars/reactor';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RUN = join(ROOT, 'var', 'run');
const LOG = join(ROOT, 'var', 'log');

interface Daemon {
  name: string;
  conf: string;
  ports(c: Config): string;
  statsDefault: number;
}

const DAEMONS: Daemon[] = [
  {
    name: 'dns',
    conf: 'conf/lars_dns.conf',
    statsDefault: 7788,
    ports: (c) => `tcp ${c.getString('reactor', 'ip', '127.0.0.1')}:${c.getNumber('reactor', 'port', 7778)}`,
  },
  {
    name: 'reporter',
    conf: 'conf/lars_reporter.conf',
    statsDefault: 7789,
    ports: (c) => `tcp ${c.getString('reactor', 'ip', '127.0.0.1')}:${c.getNumber('reactor', 'port', 7779)}`,
  },
  {
    name: 'lbagent',
    conf: 'conf/lars_lb_agent.conf',
    statsDefault: 8898,
    ports: (c) => {
      const base = c.getNumber('agent', 'base_port', 8888);
      return `udp ${c.getString('agent', 'ip', '127.0.0.1')}:${base}-${base + 2}`;
    },
  },
];

function pidOf(name: string): number | null {
  const file = join(RUN, `${name}.pid`);
  if (!existsSync(file)) return null;
  const pid = Number(readFileSync(file, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function statsAnswer(port: number): Promise<boolean> {
  if (port === 0) return true;
  try {
    const res = await fetch(`http://127.0.0.1:${port}/stats`, { signal: AbortSignal.timeout(1000) });
    return res.ok;
  } catch {
    return false;
  }
}

// The daemon's own log (var/log/<name>.log, written through LARS_LOG_FILE) and
// what it wrote outside it (var/log/<name>.out: a crash trace, say).
function logTail(name: string): string {
  const parts: string[] = [];
  for (const file of [`${name}.log`, `${name}.out`]) {
    const path = join(LOG, file);
    const text = existsSync(path) ? readFileSync(path, 'utf8').trimEnd() : '';
    if (text !== '') parts.push(`--- var/log/${file}\n${text.split('\n').slice(-15).join('\n')}`);
  }
  return parts.length === 0 ? '(no log)' : parts.join('\n');
}

async function status(): Promise<number> {
  let running = 0;
  for (const d of DAEMONS) {
    const config = Config.load(join(ROOT, d.conf));
    const statsPort = config.getNumber('stats', 'port', d.statsDefault);
    const pid = pidOf(d.name);
    const up = pid !== null && alive(pid);
    if (up) running++;
    const stats = statsPort === 0 ? 'stats off' : `stats http://127.0.0.1:${statsPort}/stats`;
    const state = up ? `running (pid ${pid})` : pid === null ? 'not running' : `not running (stale pid ${pid})`;
    process.stdout.write(`${d.name.padEnd(9)} ${state.padEnd(22)} ${d.ports(config).padEnd(26)} ${stats}\n`);
  }
  return running === DAEMONS.length ? 0 : 3;
}

async function waitStarted(): Promise<number> {
  const deadline = Date.now() + 60_000;
  for (const d of DAEMONS) {
    const pid = pidOf(d.name);
    if (pid === null) continue;
    const statsPort = Config.load(join(ROOT, d.conf)).getNumber('stats', 'port', d.statsDefault);
    for (;;) {
      if (!alive(pid)) {
        process.stderr.write(`${d.name} exited during start; its last lines:\n${logTail(d.name)}\n`);
        return 1;
      }
      if (await statsAnswer(statsPort)) break;
      if (Date.now() > deadline) {
        process.stderr.write(`${d.name} did not come up within 60 s; see var/log/${d.name}.log\n`);
        return 1;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return 0;
}

// `./run_lars.sh status | head -1`: the reader leaving early is not an error.
exitQuietlyOnEpipe(process.stdout);
process.exitCode = process.argv.includes('--wait') ? await waitStarted() : await status();
