// The floor of the agent benchmark, shaped like the agent: one process, three
// worker threads, one per UDP port (base_port, +1, +2), each a bare echo
// (agent-echo-worker.ts). Run as a daemon (`[agent] ip, base_port`,
// `[stats] port`) so bench/daemon-harness.ts starts and stops it like the agent.
import { once } from 'node:events';
import type { Worker } from 'node:worker_threads';
import { runDaemon, spawnWorker } from '@lars/reactor';
import type { EchoWorkerData } from './agent-echo-worker.js';

const PORTS = 3;

async function startEcho(workerData: EchoWorkerData): Promise<Worker> {
  const worker = spawnWorker(new URL('./agent-echo-worker.ts', import.meta.url), { workerData });
  // once() rejects on 'error', so a port that cannot be bound fails the start.
  await once(worker, 'message');
  return worker;
}

await runDaemon({
  name: 'agent_echo',
  packageJson: new URL('../package.json', import.meta.url),
  defaultConfigFile: 'conf/lars_lb_agent.conf',
  defaultStatsPort: 0,
  async start(config) {
    const host = config.getString('agent', 'ip', '127.0.0.1');
    const basePort = config.getNumber('agent', 'base_port', 8888);
    const workers = await Promise.all(Array.from({ length: PORTS }, (_, i) => startEcho({ host, port: basePort + i })));
    return {
      async close() {
        await Promise.all(workers.map((w) => w.terminate()));
      },
      stats: () => ({ ports: PORTS }),
    };
  },
});
