// The agent benchmark's reference servers (agent-echo-reference.c): compiled
// with cc into var/bench/ when the source is newer, started on the three
// ports, stopped with SIGTERM.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { buildCProgram } from './bench-common.js';
import type { ReferenceSide } from './agent-get-host-types.js';
import { processCpuSeconds, processRssBytes, type ServerProcess } from './daemon-harness.js';

const SOURCE = fileURLToPath(new URL('./agent-echo-reference.c', import.meta.url));
const BINARY = fileURLToPath(new URL('../var/bench/agent-echo-reference', import.meta.url));

/** The C program's mode per side: `epoll` one thread over the three ports, `threads` a blocking thread per port. */
const MODE: Record<ReferenceSide, string> = { 'c-epoll': 'epoll', 'c-threads': 'threads' };

/** Starts the reference server `side` on host:basePort..basePort+2; resolves once it has bound them. */
export async function startReference(host: string, basePort: number, side: ReferenceSide): Promise<ServerProcess> {
  buildCProgram(SOURCE, BINARY, ['-pthread']);
  const child = spawn(BINARY, [host, String(basePort), MODE[side]], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  const exited = once(child, 'exit');
  const ready = new Promise<void>((resolve) => {
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      if (d.includes('ready')) resolve();
    });
  });
  await Promise.race([
    ready,
    exited.then(([code]) => Promise.reject(new Error(`${BINARY} exited with ${code}: ${stderr}`))),
  ]);
  const pid = child.pid ?? 0;
  return {
    pid,
    rss: () => processRssBytes(pid),
    cpuSeconds: () => processCpuSeconds(pid),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
