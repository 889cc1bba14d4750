import type { MessageId } from './ids.js';
import { encodeBody, type HostInfo } from './messages.js';

/** A route's response body and how many of its hosts it carries. */
export interface FittedRoute {
  body: Uint8Array;
  /** Hosts in `body`: all of them, or the first ones that fit. */
  served: number;
}

/**
 * Encodes GetRouteResponse / API_GetRouteResponse for a route, cut to the
 * first hosts that fit `maxBodyBytes` (protocol.md: a sender with more to say
 * sends what fits, and logs and counts the cut). The cut is rare (thousands
 * of hosts), so it may encode a few times: a proportional guess, then one
 * host less at a time.
 */
export function encodeRouteFitting(
  msgid: typeof MessageId.GetRouteResponse | typeof MessageId.ApiGetRouteResponse,
  modid: number,
  cmdid: number,
  hosts: readonly HostInfo[],
  maxBodyBytes: number,
): FittedRoute {
  const encode = (count: number) =>
    encodeBody(msgid, { modid, cmdid, host: count === hosts.length ? (hosts as HostInfo[]) : hosts.slice(0, count) });
  const full = encode(hosts.length);
  if (full.length <= maxBodyBytes) return { body: full, served: hosts.length };
  let served = Math.floor((hosts.length * maxBodyBytes) / full.length);
  let body = encode(served);
  while (body.length > maxBodyBytes) body = encode(--served);
  return { body, served };
}
