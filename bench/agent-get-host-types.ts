// What bench/agent-get-host.ts measures, shared with its report (agent-get-host-report.ts).
import type { LowLoadResult } from './agent-c-client.js';
import type { RunResult } from './agent-qps.js';

/** The agent on each of its transports ([agent] transport), against one floor. */
export const AGENT_SIDES = ['native', 'dgram'] as const;
export type AgentSide = (typeof AGENT_SIDES)[number];
/** floor = bare three-thread node:dgram echo with canned answers on the same ports. */
export type Side = 'floor' | AgentSide;

/**
 * The reference servers in C (agent-echo-reference.c) with the floor's
 * canned answers: `c-epoll` one thread with epoll and recvmmsg/sendmmsg
 * (the native agent's design, threads = 0, without Node), `c-threads` a
 * blocking thread per port (the original agent's design).
 */
export const REFERENCE_SIDES = ['c-epoll', 'c-threads'] as const;
export type ReferenceSide = (typeof REFERENCE_SIDES)[number];
export const isReferenceSide = (side: string): side is ReferenceSide =>
  (REFERENCE_SIDES as readonly string[]).includes(side);

/** `loop`: get_host then a report; `get`: get_host alone. */
export const MODES = ['loop', 'get'] as const;
export type Mode = (typeof MODES)[number];

export const GOALS = {
  /** Native agent CPU per get_host / floor's, pure get_host at 2 and 10 client threads. */
  maxNativeCpuRatio: 0.6,
  cpuRatioThreads: [2, 10],
  /** Native loops/s / dgram loops/s at every point. */
  minNativeVsDgram: 0.95,
  maxRssMiB: 64,
  maxIdleCpuPercent: 1,
  maxLowLoadP99Ms: 0.3,
  maxLowLoadP99Ratio: 1.5,
} as const;

/** A qps run and what the server process spent on it. */
export interface Measured extends RunResult {
  /** Server CPU (user + system) per get_host answered, µs. */
  cpuUsPerRequest: number;
  /** Server RSS right after the run, bytes. */
  rssBytes: number;
}

export interface Point {
  threads: number;
  inflight: number;
  mode: Mode;
  floor: Measured;
  agent: Record<AgentSide, Measured>;
}

/** A pure get_host point measured again, back to back, on the floor, the native agent and the reference servers. */
export interface ReferencePoint {
  threads: number;
  inflight: number;
  floor: Measured;
  native: Measured;
  reference: Record<ReferenceSide, Measured>;
}

export interface LowLoad {
  floor: LowLoadResult;
  agent: Record<AgentSide, LowLoadResult>;
}

export interface Idle {
  seconds: number;
  /** Agent CPU over the window, % of one core. */
  cpuPercentOfCore: number;
  rssMiB: number;
}

/** RSS of the native agent per [agent] threads after a short full-rate run. */
export interface ThreadsRss {
  threads: number;
  loopsPerSecond: number;
  rssMiB: number;
}

/** The --long run: the default agent alone at full load, its memory sampled. */
export interface LongRun {
  threads: number;
  inflight: number;
  seconds: number;
  loopsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  /** Agent CPU per get_host answered, µs. */
  cpuUsPerRequest: number;
  rssMiB: number[];
  rssGrowthMiB: number;
  agent: Record<string, number>;
}

export const round3 = (v: number) => Math.round(v * 1000) / 1000;
export const mib = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;
