import type { RetCode } from '@lars/proto';
import type { LarsClientError } from './client-errors.js';
import type { GetHostLatencyStats } from './get-host-latency.js';

/** A service host as the SDK hands it out. */
export interface HostAddress {
  /** IPv4 dotted quad, e.g. `192.168.1.177` (the correct, big-endian reading of the wire integer). */
  ip: string;
  /** TCP/UDP port of the service. */
  port: number;
}

/**
 * What {@link LarsClient.getHost} resolves with. Switch on `ret`:
 * - `SUCC`: `host` is the host to call now;
 * - `OVERLOAD`: every host of the route is overloaded, do not call;
 * - `NOEXIST`: the agent has no host for the key (unknown route, or a route with no host);
 * - `SYSTEM_ERROR`: no usable answer; `error.code` says why (e.g. `LARS_AGENT_UNREACHABLE`: the agent is not running).
 */
export type GetHostResult =
  | { ret: typeof RetCode.SUCC; host: HostAddress }
  | { ret: typeof RetCode.OVERLOAD | typeof RetCode.NOEXIST }
  | { ret: typeof RetCode.SYSTEM_ERROR; error: LarsClientError };

/**
 * What {@link LarsClient.getRoute} resolves with: every host of the route
 * (`SUCC`, at least one host), none (`NOEXIST`), or `SYSTEM_ERROR` with the reason.
 */
export type GetRouteResult =
  | { ret: typeof RetCode.SUCC; hosts: HostAddress[] }
  | { ret: typeof RetCode.NOEXIST; hosts: [] }
  | { ret: typeof RetCode.SYSTEM_ERROR; hosts: []; error: LarsClientError };

/**
 * What {@link LarsClient.call} resolves with: on `SUCC` the function's
 * `value`, the `host` it ran against and how long it took; otherwise why no
 * host was picked (the function did not run).
 */
export type CallResult<T> =
  | { ret: typeof RetCode.SUCC; value: T; host: HostAddress; timecostMs: number }
  | { ret: typeof RetCode.OVERLOAD | typeof RetCode.NOEXIST }
  | { ret: typeof RetCode.SYSTEM_ERROR; error: LarsClientError };

/** Counters of one {@link LarsClient} (plain numbers, a snapshot). */
export interface ClientStats {
  /** Datagrams handed to the sockets: requests, their retries and reports. */
  sent: number;
  /** Replies matched to a pending request. */
  replies: number;
  /** Requests that got no reply after every attempt (resolved SYSTEM_ERROR / LARS_TIMEOUT). */
  timeouts: number;
  /**
   * Requests settled at once because the agent's port was unreachable
   * (resolved SYSTEM_ERROR / LARS_AGENT_UNREACHABLE; concurrent getRoute
   * calls sharing one request count once, as for `timeouts`).
   */
  unreachable: number;
  /** Requests sent again after an attempt timed out. */
  retries: number;
  /** Replies dropped: unknown or expired seq, or a seq whose (modid, cmdid) differs, or an unasked route. */
  staleReplies: number;
  /** Reports sent (fire and forget). */
  reports: number;
  /** Sends the socket refused or reported failed, and socket errors (e.g. each ICMP port unreachable from a dead agent). */
  sendFailures: number;
  /** Datagrams from the agent that were not a well-formed frame, had an unexpected msgid, or did not decode. */
  badReplies: number;
  /** Requests waiting for a reply now. */
  inFlight: number;
  /** How long getHost calls took, seconds: count, sum, p50, p90, p99, max. */
  getHostLatency: GetHostLatencyStats;
}
