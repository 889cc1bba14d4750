// One of the agent's UDP worker threads: serves the ports base_port + p for
// each p (0..2) with p % threads === its index, one AgentCore (agent-core.ts)
// per port. The core for port p owns the routes whose (modid + cmdid) % 3 is
// p and holds their LoadBalance state with no lock (nothing else touches
// it), so the port-to-key rule on the wire is the same whatever the thread
// count. This file is only wiring: a UdpServer per port (on the transport the
// main thread chose) feeds its core's router, the pool queues carry route
// pulls and report snapshots to the main thread and route replies and pushes
// back, and timers tick the cores and publish their counters.
import { AGENT_PORTS } from '@lars/proto';
import {
  Heartbeat,
  poolWorkerContext,
  poolWorkerReady,
  poolWorkerSend,
  runPoolWorker,
  SharedCounters,
  SharedHistogram,
} from '@lars/reactor';
import { NativeUdpTransport } from '@lars/udp-native';
import { MessageRouter, UdpServer, UdpTransportKind, type UdpReplyTarget } from '@lars/wire';
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
const latency = SharedHistogram.attach(options.getHostLatency);
const routeBudget = SharedRouteBudget.attach(options.routeBudget, options.maxRoutes);
const toMain = poolWorkerSend();

interface Port {
  core: AgentCore;
  udp: UdpServer;
}

/** This thread's ports, by port offset (undefined: another thread's). */
const ports: Array<Port | undefined> = Array.from({ length: AGENT_PORTS }, () => undefined);
for (let p = index; p < AGENT_PORTS; p += options.threads) {
  const core = new AgentCore({
    index: p,
    loadBalance: config,
    caller: options.caller,
    toMain,
    latency,
    latencySampleEvery: options.latencySampleEvery,
    routeBudget,
  });
  // A UdpReplyTarget is an AgentReplyTarget (sendRaw to the datagram's sender).
  const udp = new UdpServer(core.register(new MessageRouter<UdpReplyTarget>()), {
    host: options.host,
    port: options.basePort + p,
    transport: options.transport === UdpTransportKind.NATIVE ? new NativeUdpTransport() : undefined,
  });
  ports[p] = { core, udp };
}
const served = ports.filter((p): p is Port => p !== undefined);
await Promise.all(served.map((p) => p.udp.listen()));
poolWorkerReady();

const publishStats = () => {
  for (const { core, udp } of served) core.publish(counters, udp.stats());
};
const tick = () => {
  for (const { core } of served) core.tick();
};
const reportTimer = setInterval(tick, config.reportIntervalMs);
const statsTimer = setInterval(publishStats, options.statsIntervalMs);
reportTimer.unref();
statsTimer.unref();

await runPoolWorker((record) => {
  if (record[0] === ToWorker.ROUTE) ports[record[1]]?.core.onMainRecord(record);
  else if (record[0] === ToWorker.STOP_HEARTBEAT) heartbeat.close();
  else for (const { core } of served) core.onMainRecord(record);
});

// The pool is closing: send what is still unreported, then let the thread end.
clearInterval(reportTimer);
clearInterval(statsTimer);
heartbeat.close();
tick();
publishStats();
await Promise.all(served.map((p) => p.udp.close()));
