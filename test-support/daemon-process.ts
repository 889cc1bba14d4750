// A daemon run from its TypeScript entry (node <SOURCE_NODE_ARGS> <entry> <conf>), for
// tests of the daemon shell: config, stats endpoint, signals, exit codes.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './repo-paths.js';
import { SOURCE_NODE_ARGS } from './source-node.js';

export interface DaemonProcess {
  readonly child: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves once the output contains every one of `texts`. */
  waitForOutput(...texts: string[]): Promise<void>;
  /** Sends `signal` and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Resolves with the exit code once the process exits by itself. */
  exited(): Promise<number | null>;
}

/**
 * This process's environment without the `[mysql]` overrides (LARS_MYSQL_*):
 * those name the test run's shared server (test-support/db.ts), and a daemon
 * started here gets its MySQL from the config file the test wrote. A daemon
 * honours them over its file, so passing them on would point it elsewhere.
 */
function inheritedEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('LARS_MYSQL_')) delete env[key];
  return env;
}

/**
 * Starts `entry` (relative to the repo root) with a config file holding
 * `conf`, and `env` added to the environment: a TypeScript entry
 * (`src/main.ts`) through tsx, a built one (`dist/main.js`) with plain node,
 * as run_lars.sh runs it.
 */
export function startDaemonProcess(entry: string, conf: string, env: Record<string, string> = {}): DaemonProcess {
  const dir = mkdtempSync(join(tmpdir(), 'lars-daemon-'));
  const file = join(dir, 'daemon.conf');
  writeFileSync(file, conf);
  const nodeArgs = entry.endsWith('.ts') ? SOURCE_NODE_ARGS : [];
  const child = spawn(process.execPath, [...nodeArgs, entry, file], {
    cwd: REPO_ROOT,
    env: { ...inheritedEnv(), LARS_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exit = once(child, 'exit').then(([code]) => {
    rmSync(dir, { recursive: true, force: true });
    return code as number | null;
  });
  return {
    child,
    output: () => out,
    async waitForOutput(...texts) {
      const deadline = Date.now() + 30_000;
      while (!texts.every((t) => out.includes(t))) {
        if (child.exitCode !== null)
          throw new Error(`daemon exited (${child.exitCode}) before printing ${texts.join(', ')}:\n${out}`);
        if (Date.now() > deadline) throw new Error(`daemon did not print ${texts.join(', ')}:\n${out}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    stop(signal = 'SIGTERM') {
      if (child.exitCode === null) child.kill(signal);
      return exit;
    },
    exited: () => exit,
  };
}

/** `[mysql]` section for a test database. */
export function mysqlSection(db: { host: string; port: number; user: string; password: string; name: string }): string {
  return `[mysql]\ndb_host = ${db.host}\ndb_port = ${db.port}\ndb_user = ${db.user}\ndb_passwd = ${db.password}\ndb_name = ${db.name}\n`;
}
