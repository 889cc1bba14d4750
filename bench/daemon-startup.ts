// Daemon start-up (`pnpm bench:startup`): for each daemon, from the sources
// (node --conditions=lars-source --import tsx src/main.ts, how tests and
// LARS_FROM_SOURCE=1 run it) and from the build (node dist/main.js, how
// run_lars.sh and systemd run it), RUNS starts each of: the time from spawn to
// the stats endpoint answering 200 on /readyz (DNS, reporter: the DNS's
// endpoint opens earlier and says 503 until its first table) or /healthz (the
// agent, which has no DNS here but serves once its threads run), and
// the resident set size at that moment and after IDLE_MS of idling. Each daemon runs alone against a throwaway
// database on free ports. Needs a current build (pnpm build).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '../test-support/db.js';
import { mysqlSection } from '../test-support/daemon-process.js';
import { freePort, freePortRange } from '../test-support/ports.js';
import { REPO_ROOT } from '../test-support/repo-paths.js';
import { SOURCE_NODE_ARGS } from '../test-support/source-node.js';
import { machine, parseBenchArgs, printTable } from './bench-common.js';

const args = parseBenchArgs();
const RUNS = args.long ? 10 : 3;
const IDLE_MS = 1000;
const READY_POLL_MS = 5;
const READY_TIMEOUT_MS = 60_000;

const MODES = {
  source: (pkg: string) => [...SOURCE_NODE_ARGS, `packages/${pkg}/src/main.ts`],
  build: (pkg: string) => [`packages/${pkg}/dist/main.js`],
} as const;
type Mode = keyof typeof MODES;

interface DaemonSpec {
  name: string;
  pkg: string;
  /** The config file: `[stats] port = statsPort` and free ports for everything else. */
  conf(db: TestDatabase, statsPort: number): Promise<string>;
  /**
   * The endpoint whose 200 means "started": /readyz where the daemon can be
   * ready alone (DNS: a table loaded), /healthz for the agent, which is ready
   * only with a DNS link this benchmark does not give it but serves get_host
   * as soon as its threads run.
   */
  startedAt: '/readyz' | '/healthz';
}

const DAEMONS: readonly DaemonSpec[] = [
  {
    name: 'dns',
    pkg: 'dns',
    conf: async (db, statsPort) =>
      `[reactor]\nport = ${await freePort()}\n${mysqlSection(db)}[stats]\nport = ${statsPort}\n`,
    startedAt: '/readyz',
  },
  {
    name: 'reporter',
    pkg: 'reporter',
    conf: async (db, statsPort) =>
      `[reactor]\nport = ${await freePort()}\n${mysqlSection(db)}[stats]\nport = ${statsPort}\n`,
    startedAt: '/readyz',
  },
  {
    name: 'lbagent',
    pkg: 'agent',
    // Nobody at the DNS and reporter ports: the agent serves (and retries them) regardless.
    conf: async (_db, statsPort) =>
      `[agent]\nbase_port = ${await freePortRange(3)}\n[dnsserver]\nip = 127.0.0.1\nport = ${await freePort()}\n` +
      `[reporter]\nip = 127.0.0.1\nport = ${await freePort()}\n[stats]\nport = ${statsPort}\n`,
    startedAt: '/healthz',
  },
];

interface Sample {
  startMs: number;
  rssReadyMiB: number;
  rssIdleMiB: number;
}

function rssMiB(pid: number): number {
  const kib = Number(spawnSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' }).stdout.trim());
  return kib / 1024;
}

async function statsAnswer(port: number, path: DaemonSpec['startedAt']): Promise<boolean> {
  try {
    return (await fetch(`http://127.0.0.1:${port}${path}`)).ok;
  } catch {
    return false;
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}

async function startOnce(spec: DaemonSpec, mode: Mode, db: TestDatabase, dir: string): Promise<Sample> {
  const statsPort = await freePort();
  const file = join(dir, `${spec.name}.conf`);
  writeFileSync(file, await spec.conf(db, statsPort));
  let output = '';
  const t0 = performance.now();
  const child = spawn(process.execPath, [...MODES[mode](spec.pkg), file], {
    cwd: REPO_ROOT,
    env: { ...process.env, LARS_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  try {
    while (!(await statsAnswer(statsPort, spec.startedAt))) {
      if (child.exitCode !== null) throw new Error(`${spec.name} (${mode}) exited with ${child.exitCode}:\n${output}`);
      if (performance.now() - t0 > READY_TIMEOUT_MS)
        throw new Error(`${spec.name} (${mode}) did not start:\n${output}`);
      await new Promise((r) => setTimeout(r, READY_POLL_MS));
    }
    const startMs = performance.now() - t0;
    const rssReadyMiB = rssMiB(child.pid as number);
    await new Promise((r) => setTimeout(r, IDLE_MS));
    return { startMs, rssReadyMiB, rssIdleMiB: rssMiB(child.pid as number) };
  } finally {
    await stopChild(child);
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

for (const spec of DAEMONS) {
  const built = join(REPO_ROOT, 'packages', spec.pkg, 'dist', 'main.js');
  if (!existsSync(built)) {
    process.stderr.write(`bench:startup: ${built} is missing; run pnpm build first\n`);
    process.exit(1);
  }
}

const db = await createTestDatabase();
const dir = mkdtempSync(join(tmpdir(), 'lars-startup-'));
const rows: Array<Record<string, string | number>> = [];
const results: Array<{ daemon: string; mode: Mode; samples: Sample[] }> = [];
try {
  for (const spec of DAEMONS) {
    for (const mode of Object.keys(MODES) as Mode[]) {
      const samples: Sample[] = [];
      for (let i = 0; i < RUNS; i++) samples.push(await startOnce(spec, mode, db, dir));
      results.push({ daemon: spec.name, mode, samples });
      const start = samples.map((s) => s.startMs);
      rows.push({
        daemon: spec.name,
        mode,
        'start ms (median)': median(start),
        'min ms': Math.min(...start),
        'max ms': Math.max(...start),
        'RSS ready MiB': median(samples.map((s) => s.rssReadyMiB)),
        'RSS idle MiB': median(samples.map((s) => s.rssIdleMiB)),
      });
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
  await db.drop();
}

if (args.json) {
  process.stdout.write(
    `${JSON.stringify({ bench: 'daemon-startup', runs: RUNS, idleMs: IDLE_MS, machine: machine(), results, rows })}\n`,
  );
} else {
  process.stdout.write(
    `daemon start-up: spawn -> stats endpoint answers, ${RUNS} runs each; RSS at that point and after ${IDLE_MS} ms idle\n\n`,
  );
  printTable(rows);
}
