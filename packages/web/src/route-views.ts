// Shared pieces of the route pages: the URL parameters' schema and the
// dotted forms of hosts and diffs the views and the JSON answers show.
import { intToIp } from '@lars/proto';
import type { RouteHostChanges } from '@lars/store';
import type { RouteState } from './route-read.js';

export const ROUTE_PARAMS = {
  type: 'object',
  required: ['modid', 'cmdid'],
  properties: {
    modid: { type: 'integer', minimum: 0, maximum: 0x7fffffff },
    cmdid: { type: 'integer', minimum: 0, maximum: 0x7fffffff },
  },
} as const;

export interface RouteParams {
  modid: number;
  cmdid: number;
}

export const hostText = (h: { ip: number; port: number }): string => `${intToIp(h.ip)}:${h.port}`;

/** A route's hosts as the pages and the API show them. */
export function routeJson(r: RouteState) {
  return {
    modid: r.modid,
    cmdid: r.cmdid,
    version: r.version,
    fingerprint: r.fingerprint,
    hosts: r.hosts.map((h) => ({ ip: intToIp(h.ip), port: h.port, disabled: h.disabled })),
  };
}

/** What a change does, hosts as `ip:port`. */
export function diffJson(d: RouteHostChanges) {
  return {
    added: d.added.map(hostText),
    removed: d.removed.map(hostText),
    disabled: d.disabled.map(hostText),
    enabled: d.enabled.map(hostText),
  };
}
