import type { HeartbeatSlot } from '@lars/reactor';
import type { UdpTransportKind } from '@lars/wire';

/**
 * Records between the agent's main thread and its UDP workers, through the
 * thread pool's SharedArrayBuffer queues. First byte: the record type.
 *
 * main -> worker
 *   ROUTE          [1][port u8][GetRouteResponse body]  a DNS reply or push, to the worker owning its
 *                                               key; `port` (agentPortIndex of the key) picks the core
 *   DNS_CONNECTED  [2]                          broadcast: re-subscribe every tracked key (main paces the pulls)
 *   STOP_HEARTBEAT [3]                          test hook: the worker stops beating (/healthz turns 503)
 * worker -> main
 *   PULL           [1][modid i32][cmdid i32]    send GetRouteRequest to the DNS
 *   REPORT         [2][modid i32][cmdid i32][ReportStatusRequest body]  to the reporter owning the key
 */
export const ToWorker = { ROUTE: 1, DNS_CONNECTED: 2, STOP_HEARTBEAT: 3 } as const;
export const ToMain = { PULL: 1, REPORT: 2 } as const;

export const DNS_CONNECTED_RECORD = Uint8Array.of(ToWorker.DNS_CONNECTED);
export const STOP_HEARTBEAT_RECORD = Uint8Array.of(ToWorker.STOP_HEARTBEAT);

/** Where a ROUTE record's body starts. */
export const ROUTE_BODY_OFFSET = 2;

export function routeRecord(port: number, body: Uint8Array): Uint8Array {
  const r = new Uint8Array(ROUTE_BODY_OFFSET + body.length);
  r[0] = ToWorker.ROUTE;
  r[1] = port;
  r.set(body, ROUTE_BODY_OFFSET);
  return r;
}

/** A record to main for (modid, cmdid), with `body` after the key (empty for PULL). */
export function keyedRecord(type: number, modid: number, cmdid: number, body?: Uint8Array): Uint8Array {
  const r = Buffer.allocUnsafe(9 + (body?.length ?? 0));
  r[0] = type;
  r.writeInt32LE(modid, 1);
  r.writeInt32LE(cmdid, 5);
  if (body !== undefined) r.set(body, 9);
  return r;
}

export function recordKey(record: Uint8Array): { modid: number; cmdid: number } {
  const v = new DataView(record.buffer, record.byteOffset, record.byteLength);
  return { modid: v.getInt32(1, true), cmdid: v.getInt32(5, true) };
}

/** What AgentPorts (agent-ports.ts) serves with, on a UDP worker thread or on the main thread. */
export interface AgentPortsData {
  host: string;
  basePort: number;
  /** The transport resolved on the main thread (never `auto`). */
  transport: UdpTransportKind;
  /** LoadBalanceConfig (structured-cloned). */
  loadBalance: unknown;
  /** This machine's IPv4 as an unsigned number: ReportStatusRequest.caller. */
  caller: number;
  /** SharedCounters over WORKER_COUNTER_NAMES (agent-counters.ts), one row per port. */
  counters: SharedArrayBuffer;
  /** SharedRouteBudget (route-budget.ts) of the whole agent: routes held over every port. */
  routeBudget: SharedArrayBuffer;
  /** AgentOptions.maxRoutes: the budget's limit. */
  maxRoutes: number;
  /** SharedHistogram of get_host service times, one row per port. */
  getHostLatency: SharedArrayBuffer;
  /** AgentCoreOptions.latencySampleEvery. */
  latencySampleEvery?: number;
  /** How often the ports copy their counters into `counters`, ms. */
  statsIntervalMs: number;
}

/** ThreadPoolOptions.workerData of the agent's UDP workers. */
export interface AgentWorkerData extends AgentPortsData {
  /** Worker threads: worker t serves the ports p (0..2, offsets from basePort) with p % threads === t. */
  threads: number;
  /** Where each worker thread beats (index = thread), on the main thread's HeartbeatBoard. */
  heartbeats: HeartbeatSlot[];
  heartbeatIntervalMs: number;
}
