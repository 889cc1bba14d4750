// One of the agent's UDP worker threads ([agent] threads >= 1): serves the
// ports base_port + p for each p (0..2) with p % threads === its index
// through AgentPorts (agent-ports.ts). This file is only wiring: the pool
// queues carry route pulls and report snapshots to the main thread and route
// replies and pushes back, and the thread beats for /healthz.
import { Heartbeat, poolWorkerContext, poolWorkerReady, poolWorkerSend, runPoolWorker } from '@lars/reactor';
import { AgentPorts } from './agent-ports.js';
import { ToWorker, type AgentWorkerData } from './agent-protocol.js';

const { index, data } = poolWorkerContext();
const options = data as AgentWorkerData;
// Beats from the event loop while the worker runs (/healthz); the STOP_HEARTBEAT test hook silences it.
const heartbeat = new Heartbeat(options.heartbeats[index], options.heartbeatIntervalMs).start();
const ports = new AgentPorts(options, index, options.threads, poolWorkerSend());
await ports.listen();
poolWorkerReady();

await runPoolWorker((record) => {
  if (record[0] === ToWorker.STOP_HEARTBEAT) heartbeat.close();
  else ports.onMainRecord(record);
});

// The pool is closing: send what is still unreported, then let the thread end.
heartbeat.close();
await ports.close();
