// One thread of the qps tool: `inflight` loops of get_host on (modid, 1),
// each followed by a success report when the answer is a host (none with
// --no-report). OVERLOAD and
// NOEXIST are answers too (counted, nothing to report); SYSTEM_ERROR (agent
// down, datagram lost) counts as an error, not a loop.
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { LarsClient, RetCode } from '@lars/client';
import { SharedCounters } from '@lars/reactor';
import { checkOption } from '@lars/wire';
import { QpsPacer } from './qps-pacer.js';
import {
  createLatencyHistogram,
  QPS_CMDID,
  QPS_COUNTERS,
  recordLatencyMs,
  type QpsCommand,
  type QpsEvent,
  type QpsWorkerData,
} from './qps-protocol.js';

const data = workerData as QpsWorkerData;
checkOption(parentPort !== null, 'parentPort', 'qps-worker.ts runs as a worker thread of the qps tool');
const port = parentPort as MessagePort;
const counters = SharedCounters.attach(data.counters, QPS_COUNTERS);
const client = new LarsClient({ host: data.host, basePort: data.basePort });
const latency = createLatencyHistogram();
const answers = [0, 0, 0, 0];
/** --rate: every loop takes a token before its get_host; made at `start`, so the bucket starts then. */
let pacer: QpsPacer | null = null;
let loops = 0;
let errors = 0;
let running = false;
let stopping = false;
let looping: Promise<unknown[]> | null = null;

async function loop(): Promise<void> {
  while (running) {
    if (pacer !== null && !pacer.tryTake() && (!(await pacer.acquire()) || !running)) return;
    const started = performance.now();
    const answer = await client.getHost(data.modid, QPS_CMDID);
    if (!running) return;
    answers[answer.ret]++;
    if (answer.ret === RetCode.SYSTEM_ERROR) {
      errors++;
      counters.add(data.index, 'errors', 1);
      continue;
    }
    recordLatencyMs(latency, performance.now() - started);
    loops++;
    counters.add(data.index, 'loops', 1);
    if (answer.ret === RetCode.SUCC && !data.noReport) client.report(data.modid, QPS_CMDID, answer.host, RetCode.SUCC);
  }
}

async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  running = false;
  pacer?.close();
  await looping;
  await client.close();
  const result: QpsEvent = { type: 'result', loops, errors, answers, latency };
  port.postMessage(result);
  port.close();
}

port.on('message', (cmd: QpsCommand) => {
  if (cmd.type === 'start' && looping === null && !stopping) {
    running = true;
    if (data.rate !== undefined) pacer = new QpsPacer(data.rate);
    looping = Promise.all(Array.from({ length: data.inflight }, loop));
  } else if (cmd.type === 'reset') {
    loops = 0;
    errors = 0;
    answers.fill(0);
    latency.reset();
    counters.set(data.index, 'loops', 0);
    counters.set(data.index, 'errors', 0);
  } else if (cmd.type === 'stop') {
    void stop();
  }
});

// The first get_host on a key waits for the agent to pull the route; doing
// that before `ready` keeps it out of the measured time.
await client.regInit(data.modid, QPS_CMDID);
port.postMessage({ type: 'ready' } satisfies QpsEvent);
