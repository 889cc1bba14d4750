// A daemon in its own process, as run_lars.sh runs it, for benchmarks: the
// load comes from the benchmark process, the daemon's work stays in its own.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { startDaemonProcess } from '../test-support/daemon-process.js';
import { freePort } from '../test-support/ports.js';

export interface DaemonProcess {
  /** The daemon's `[reactor] port` (0 for a daemon without one: StartDaemonOptions.reactor). */
  port: number;
  /** The daemon's process id. */
  pid: number;
  stats(): Promise<Record<string, number>>;
  /** Resident set size of the daemon process, bytes. */
  rss(): number;
  /** CPU the daemon process has used so far (user + system, all threads), seconds. */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

/** What a benchmark measures of any server process (a daemon, or a reference server of its own). */
export type ServerProcess = Pick<DaemonProcess, 'pid' | 'rss' | 'cpuSeconds' | 'stop'>;

export interface StartDaemonOptions {
  /** Whether the daemon has a `[reactor]` section (a TCP server: the DNS, the reporter); the agent has none. Default true. */
  reactor?: boolean;
}

/**
 * Starts `entry` with a config of `[reactor] port = <free port>` plus what
 * `conf(statsPort)` returns (which must set `[stats] port` to statsPort), and
 * resolves once its stats endpoint answers.
 */
export async function startDaemon(
  entry: string,
  conf: (statsPort: number) => string,
  options: StartDaemonOptions = {},
): Promise<DaemonProcess> {
  const reactor = options.reactor ?? true;
  const [port, statsPort] = [reactor ? await freePort() : 0, await freePort()];
  const head = reactor ? `[reactor]\nport = ${port}\n` : '';
  const daemon = startDaemonProcess(entry, `${head}${conf(statsPort)}`, { LARS_LOG_LEVEL: 'warn' });
  const stats = async (): Promise<Record<string, number>> =>
    (await (await fetch(`http://127.0.0.1:${statsPort}/stats`)).json()) as Record<string, number>;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (daemon.child.exitCode !== null)
      throw new Error(`${entry} exited with ${daemon.child.exitCode}:\n${daemon.output()}`);
    try {
      await stats();
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`${entry} did not start`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    port,
    pid: daemon.child.pid ?? 0,
    stats,
    rss: () => processRssBytes(daemon.child.pid ?? 0),
    cpuSeconds: () => processCpuSeconds(daemon.child.pid ?? 0),
    async stop() {
      await daemon.stop('SIGTERM');
    },
  };
}

/** Clock ticks per second of /proc/PID/stat's utime and stime. */
const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** utime + stime of process `pid` (every thread), seconds, from /proc/PID/stat. */
export function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** Resident set size of process `pid`, bytes (VmRSS of /proc/PID/status). */
export function processRssBytes(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m === null ? 0 : Number(m[1]) * 1024;
}
