// What a list of RouteEdits would do to one route's current rows, computed
// in memory with the same rules as the store's route-edit-apply.ts, so a
// confirm page and a dryRun show the diff without writing anything.
import type { RouteEdit } from '@lars/store';

export interface PreviewHost {
  ip: number;
  port: number;
  disabled: boolean;
}

export interface RouteDiff {
  added: { ip: number; port: number }[];
  removed: { ip: number; port: number }[];
  disabled: { ip: number; port: number }[];
  enabled: { ip: number; port: number }[];
  /** The route's hosts after the edits, in address order. */
  after: PreviewHost[];
}

const key = (ip: number, port: number) => ip * 65_536 + port;

/** Applies `edits` (all of this one route) to `current` in order; each sees the ones before it. */
export function previewEdits(current: readonly PreviewHost[], edits: readonly RouteEdit[]): RouteDiff {
  const hosts = new Map(current.map((h) => [key(h.ip, h.port), { ...h }]));
  const diff: RouteDiff = { added: [], removed: [], disabled: [], enabled: [], after: [] };
  for (const e of edits) {
    switch (e.op) {
      case 'add':
        if (!hosts.has(key(e.ip, e.port))) {
          hosts.set(key(e.ip, e.port), { ip: e.ip, port: e.port, disabled: false });
          diff.added.push({ ip: e.ip, port: e.port });
        }
        break;
      case 'del':
        if (hosts.delete(key(e.ip, e.port))) diff.removed.push({ ip: e.ip, port: e.port });
        break;
      case 'disable':
      case 'enable': {
        const h = hosts.get(key(e.ip, e.port));
        const disable = e.op === 'disable';
        if (h === undefined || h.disabled === disable) break;
        h.disabled = disable;
        diff[disable ? 'disabled' : 'enabled'].push({ ip: e.ip, port: e.port });
        break;
      }
      case 'del-route':
        for (const h of [...hosts.values()].sort((a, b) => key(a.ip, a.port) - key(b.ip, b.port)))
          diff.removed.push({ ip: h.ip, port: h.port });
        hosts.clear();
        break;
      case 'replace': {
        const wanted = new Set(e.hosts.map((h) => key(h.ip, h.port)));
        for (const [k, h] of [...hosts].sort((a, b) => a[0] - b[0]))
          if (!wanted.has(k)) {
            hosts.delete(k);
            diff.removed.push({ ip: h.ip, port: h.port });
          }
        for (const h of e.hosts)
          if (!hosts.has(key(h.ip, h.port))) {
            hosts.set(key(h.ip, h.port), { ip: h.ip, port: h.port, disabled: false });
            diff.added.push({ ip: h.ip, port: h.port });
          }
        break;
      }
    }
  }
  diff.after = [...hosts.values()].sort((a, b) => key(a.ip, a.port) - key(b.ip, b.port));
  return diff;
}

/** Whether the diff changes nothing (the page says so instead of offering a Confirm). */
export const isNoop = (d: RouteDiff) => d.added.length + d.removed.length + d.disabled.length + d.enabled.length === 0;
