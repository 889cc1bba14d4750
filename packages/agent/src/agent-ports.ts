// The UDP ports one thread of the agent serves: for each port offset p
// (0..2) with p % threads === index, one AgentCore (agent-core.ts) behind a
// UdpServer on base_port + p. The core for port p owns the routes whose
// (modid + cmdid) % 3 is p and holds their LoadBalance state with no lock
// (nothing else touches it), so the port-to-key rule on the wire is the same
// whatever the thread count. A UDP worker thread (agent-worker.ts) runs one
// of these; with `[agent] threads = 0` the main thread runs one serving all
// three ports, and `toMain` is then a plain call into the agent.
import { AGENT_PORTS } from '@lars/proto';
import { SharedCounters, SharedHistogram, type ThreadPoolStats } from '@lars/reactor';
import { GetHostTable, NativeUdpTransport } from '@lars/udp-native';
import { MessageRouter, UdpServer, UdpTransportKind, type UdpReplyTarget } from '@lars/wire';
import { AgentCore } from './agent-core.js';
import { WORKER_COUNTER_NAMES } from './agent-counters.js';
import { ToWorker, type AgentPortsData } from './agent-protocol.js';
import type { LoadBalanceConfig } from './load-balance-config.js';
import { SharedRouteBudget } from './route-budget.js';

interface Port {
  core: AgentCore;
  udp: UdpServer;
}

export class AgentPorts {
  /** This thread's ports, by port offset (undefined: another thread's). */
  private readonly ports: Array<Port | undefined>;
  private readonly served: Port[];
  private readonly counters: SharedCounters<(typeof WORKER_COUNTER_NAMES)[number]>;
  private readonly timers: NodeJS.Timeout[] = [];

  /**
   * Serves the ports p with p % `threads` === `index` (threads = 1: all
   * three); `toMain` carries pulls and report snapshots to the main thread.
   */
  constructor(data: AgentPortsData, index: number, threads: number, toMain: (record: Uint8Array) => boolean) {
    const config = data.loadBalance as LoadBalanceConfig;
    this.counters = SharedCounters.attach(data.counters, WORKER_COUNTER_NAMES);
    const latency = SharedHistogram.attach(data.getHostLatency);
    const routeBudget = SharedRouteBudget.attach(data.routeBudget, data.maxRoutes);
    this.ports = Array.from({ length: AGENT_PORTS }, (_, p) => {
      if (p % threads !== index) return undefined;
      const native = data.transport === UdpTransportKind.NATIVE;
      // Native: the socket's own thread answers get_host for the routes the core writes to the table.
      const getHostTable = native ? new GetHostTable() : undefined;
      const core = new AgentCore({
        index: p,
        loadBalance: config,
        caller: data.caller,
        toMain,
        latency,
        latencySampleEvery: data.latencySampleEvery,
        routeBudget,
        getHostTable,
      });
      // A UdpReplyTarget is an AgentReplyTarget (sendRaw to the datagram's sender).
      const udp = new UdpServer(core.register(new MessageRouter<UdpReplyTarget>()), {
        host: data.host,
        port: data.basePort + p,
        transport: native ? new NativeUdpTransport({ getHostTable }) : undefined,
      });
      return { core, udp };
    });
    this.served = this.ports.filter((p): p is Port => p !== undefined);
    this.timers.push(setInterval(this.tick, config.reportIntervalMs), setInterval(this.publish, data.statsIntervalMs));
    for (const timer of this.timers) timer.unref();
  }

  /** Binds every port served here; rejects (closing them) when one cannot be bound. */
  async listen(): Promise<void> {
    try {
      await Promise.all(this.served.map((p) => p.udp.listen()));
    } catch (err) {
      await this.close();
      throw err;
    }
  }

  /** A record from the main thread (agent-protocol.ts ToWorker): a ROUTE to its port's core, anything else to all. */
  onMainRecord(record: Uint8Array): void {
    if (record[0] === ToWorker.ROUTE) this.ports[record[1]]?.core.onMainRecord(record);
    else for (const { core } of this.served) core.onMainRecord(record);
  }

  /** Stops the timers, sends what is still unreported, publishes the last counters and closes the sockets. */
  async close(): Promise<void> {
    for (const timer of this.timers.splice(0)) clearInterval(timer);
    this.tick();
    this.publish();
    await Promise.all(this.served.map((p) => p.udp.close()));
  }

  private readonly tick = (): void => {
    for (const { core } of this.served) core.tick();
  };

  private readonly publish = (): void => {
    for (const { core, udp } of this.served) core.publish(this.counters, udp.stats());
  };
}

/**
 * `[agent] threads = 0`: the three ports served on the main thread, behind
 * the part of ThreadPool's interface the agent uses. Records are handed
 * over by plain calls (each is a fresh copy, as through the pool's queues);
 * there are no worker threads and no queues to report.
 */
export class MainThreadPorts {
  private readonly ports: AgentPorts;

  constructor(data: AgentPortsData, toMain: (record: Uint8Array) => void) {
    this.ports = new AgentPorts(data, 0, 1, (record) => {
      toMain(record);
      return true;
    });
  }

  ready(): Promise<void> {
    return this.ports.listen();
  }

  sendTo(_thread: number, record: Uint8Array): boolean {
    this.ports.onMainRecord(record);
    return true;
  }

  broadcast(record: Uint8Array): number {
    this.ports.onMainRecord(record);
    return 1;
  }

  stats(): Pick<ThreadPoolStats, 'alive' | 'inputs' | 'outputs'> {
    return { alive: 0, inputs: [], outputs: [] };
  }

  close(): Promise<void> {
    return this.ports.close();
  }
}
