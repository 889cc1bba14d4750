import { defineMetrics } from './metric-list.js';

/**
 * The guards' options of a TcpServer (and of the daemons, which pass them
 * through: pickGuardOptions). Defaults are TcpServer's.
 */
export interface TcpGuardOptions {
  /** `[reactor] frame_timeout`, ms: a connection holding an incomplete frame this long is closed. */
  frameTimeoutMs?: number;
  /** `[reactor] max_conn_per_ip`: open connections one peer address may hold; more are closed at once. */
  maxConnPerIp?: number;
  /** `[reactor] conn_idle_timeout`, ms: close a connection silent this long; 0 (the default) never does. */
  connIdleTimeoutMs?: number;
  /** `[reactor] allow`: CIDR ranges a peer address must be in (IpAllowList's matching rule). */
  allow?: readonly string[];
}

/** Just the guard fields of a daemon's options, to hand to its TcpServer. */
export function pickGuardOptions(options: TcpGuardOptions): TcpGuardOptions {
  return {
    frameTimeoutMs: options.frameTimeoutMs,
    maxConnPerIp: options.maxConnPerIp,
    connIdleTimeoutMs: options.connIdleTimeoutMs,
    allow: options.allow,
  };
}

/**
 * What a TcpServer's guards read from a connection: a few numbers kept by
 * the connection itself (times from the server's `now()`; -1 = never).
 */
export interface GuardedConnection {
  readonly id: number;
  /** Closing or closed: no longer counts as a candidate for anything. */
  readonly closed: boolean;
  /** When bytes last arrived (the accept time before any). */
  readonly lastDataAt: number;
  /** When the frame the decoder holds in part began, or -1 when it holds none. */
  readonly partialSince: number;
  /** When the last frame the router handled arrived, or -1 when none has been. */
  readonly lastValidAt: number;
}

/** What the sweep does with a connection. */
export const SweepVerdict = {
  KEEP: 'keep',
  /** An incomplete frame held past frameTimeoutMs: the peer trickles or stalled mid-frame. */
  FRAME_TIMEOUT: 'frame-timeout',
  /** No byte for connIdleTimeoutMs (only when that is on). */
  IDLE: 'idle',
} as const;
export type SweepVerdict = (typeof SweepVerdict)[keyof typeof SweepVerdict];

/**
 * The sweep's rule for one connection. Silence alone never closes one
 * unless `connIdleTimeoutMs` > 0: an agent opens its links before it has
 * anything to send, and may then stay quiet for long.
 */
export function sweepVerdict(
  conn: GuardedConnection,
  now: number,
  frameTimeoutMs: number,
  connIdleTimeoutMs: number,
): SweepVerdict {
  if (conn.partialSince >= 0 && now - conn.partialSince >= frameTimeoutMs) return SweepVerdict.FRAME_TIMEOUT;
  if (connIdleTimeoutMs > 0 && now - conn.lastDataAt >= connIdleTimeoutMs) return SweepVerdict.IDLE;
  return SweepVerdict.KEEP;
}

/**
 * The connection a new one displaces when maxConn are open: of those that
 * never sent a frame the router handled, the one silent the longest (oldest
 * `lastDataAt`; the older connection on a tie). Null when every open
 * connection has sent a valid frame: the newcomer is then refused.
 */
export function displacementVictim<C extends GuardedConnection>(conns: Iterable<C>): C | null {
  let victim: C | null = null;
  for (const conn of conns) {
    if (conn.closed || conn.lastValidAt >= 0) continue;
    if (victim === null || conn.lastDataAt < victim.lastDataAt) victim = conn;
  }
  return victim;
}

/** Open connections per peer address, bounded by `limit`. */
export class PerAddressCount {
  readonly limit: number;
  private readonly counts = new Map<string, number>();

  constructor(limit: number) {
    this.limit = limit;
  }

  /** Counts one more connection from `address`; false (nothing counted) when it already has `limit`. */
  tryAdd(address: string): boolean {
    const n = this.counts.get(address) ?? 0;
    if (n >= this.limit) return false;
    this.counts.set(address, n + 1);
    return true;
  }

  /** Forgets one connection from `address` (the entry goes at 0, so the map holds only live addresses). */
  release(address: string): void {
    const n = this.counts.get(address);
    if (n === undefined) return;
    if (n <= 1) this.counts.delete(address);
    else this.counts.set(address, n - 1);
  }

  /** Open connections from `address`. */
  count(address: string): number {
    return this.counts.get(address) ?? 0;
  }

  /** Addresses with at least one open connection. */
  get addresses(): number {
    return this.counts.size;
  }
}

/** The guards' counters, part of TcpServer.stats(). */
export interface GuardCounters {
  frameTimeouts: number;
  perIpRefused: number;
  displaced: number;
  notAllowed: number;
  idleClosed: number;
}

export function newGuardCounters(): GuardCounters {
  return { frameTimeouts: 0, perIpRefused: 0, displaced: 0, notAllowed: 0, idleClosed: 0 };
}

/**
 * The guards' counters as metrics, for a daemon list beside TCP_SERVER_METRICS:
 * `{ ...TCP_SERVER_METRICS, ...TCP_GUARD_METRICS, ...own }`.
 */
export const TCP_GUARD_METRICS = defineMetrics({
  frameTimeouts: {
    name: 'frame_timeouts_total',
    type: 'counter',
    help: 'Inbound connections closed because a frame stayed incomplete past `[reactor] frame_timeout`.',
  },
  perIpRefused: {
    name: 'connections_per_ip_refused_total',
    type: 'counter',
    help: 'Inbound connections closed at once because their address had `[reactor] max_conn_per_ip` open.',
  },
  displaced: {
    name: 'connections_displaced_total',
    type: 'counter',
    help: 'Silent connections that never sent a valid frame, closed at maxConn to make room for a new one.',
  },
  notAllowed: {
    name: 'connections_not_allowed_total',
    type: 'counter',
    help: 'Inbound connections closed at once because their address is outside `[reactor] allow`.',
  },
  idleClosed: {
    name: 'connections_idle_closed_total',
    type: 'counter',
    help: 'Inbound connections closed after `[reactor] conn_idle_timeout` without a byte (off by default).',
  },
});
