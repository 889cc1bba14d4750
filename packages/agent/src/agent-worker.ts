// One of the agent's UDP workers: serves base_port + index with an AgentCore
// (agent-core.ts), which owns the routes whose (modid + cmdid) % workers is
// its index and holds their LoadBalance state with no lock (nothing else
// touches it). This file is only wiring: the UdpServer feeds the core's
// router, the pool queues carry route pulls and report snapshots to the main
// thread and route replies and pushes back, and timers tick the core and
// publish its counters.
import {
  Heartbeat,
  poolWorkerContext,
  poolWorkerReady,
  poolWorkerSend,
  runPoolWorker,
  SharedCounters,
  SharedHistogram,
} from '@lars/reactor';
import { MessageRouter, UdpServer, type UdpReplyTarget } from '@lars/wire';
import { AgentCore } from './agent-core.js';
import { WORKER_COUNTER_NAMES } from './agent-counters.js';
import { ToWorker, type AgentWorkerData } from './agent-protocol.js';
import type { LoadBalanceConfig } from './load-balance-config.js';
import { SharedRouteBudget } from './route-budget.js';

const { index, data } = poolWorkerContext();
const options = data as AgentWorkerData;
const config = options.loadBalance as LoadBalanceConfig;
const counters = SharedCounters.attach(options.counters, WORKER_COUNTER_NAMES);
// Beats from the event loop while the worker runs (/healthz); the STOP_HEARTBEAT test hook silences it.
const heartbeat = new Heartbeat(options.heartbeats[index], options.heartbeatIntervalMs).start();

const core = new AgentCore({
  index,
  loadBalance: config,
  caller: options.caller,
  toMain: poolWorkerSend(),
  latency: SharedHistogram.attach(options.getHostLatency),
  latencySampleEvery: options.latencySampleEvery,
  routeBudget: SharedRouteBudget.attach(options.routeBudget, options.maxRoutes),
});

// A UdpReplyTarget is an AgentReplyTarget (sendRaw to the datagram's sender).
const udp = new UdpServer(core.register(new MessageRouter<UdpReplyTarget>()), {
  host: options.host,
  port: options.basePort + index,
});
await udp.listen();
poolWorkerReady();

const publishStats = () => core.publish(counters, udp.stats());
const reportTimer = setInterval(() => core.tick(), config.reportIntervalMs);
const statsTimer = setInterval(publishStats, options.statsIntervalMs);
reportTimer.unref();
statsTimer.unref();

await runPoolWorker((record) =>
  record[0] === ToWorker.STOP_HEARTBEAT ? heartbeat.close() : core.onMainRecord(record),
);

// The pool is closing: send what is still unreported, then let the thread end.
clearInterval(reportTimer);
clearInterval(statsTimer);
heartbeat.close();
core.tick();
publishStats();
await udp.close();
