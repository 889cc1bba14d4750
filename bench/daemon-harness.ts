// A daemon in its own process, as run_lars.sh runs it, for benchmarks: the
// load comes from the benchmark process, the daemon's work stays in its own.
import { spawnSync } from 'node:child_process';
import { startDaemonProcess } from '../test-support/daemon-process.js';
import { freePort } from '../test-support/ports.js';

export interface DaemonProcess {
  /** The daemon's `[reactor] port`. */
  port: number;
  stats(): Promise<Record<string, number>>;
  /** Resident set size of the daemon process, bytes. */
  rss(): number;
  stop(): Promise<void>;
}

/**
 * Starts `entry` with a config of `[reactor] port = <free port>` plus what
 * `conf(statsPort)` returns (which must set `[stats] port` to statsPort), and
 * resolves once its stats endpoint answers.
 */
export async function startDaemon(entry: string, conf: (statsPort: number) => string): Promise<DaemonProcess> {
  const [port, statsPort] = [await freePort(), await freePort()];
  const daemon = startDaemonProcess(entry, `[reactor]\nport = ${port}\n${conf(statsPort)}`, { LARS_LOG_LEVEL: 'warn' });
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
    stats,
    rss: () =>
      Number(spawnSync('ps', ['-o', 'rss=', '-p', String(daemon.child.pid)], { encoding: 'utf8' }).stdout.trim()) *
      1024,
    async stop() {
      await daemon.stop('SIGTERM');
    },
  };
}
