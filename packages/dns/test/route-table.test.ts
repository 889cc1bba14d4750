import { describe, expect, it } from 'vitest';
import { decodeBody, MessageId } from '@lars/proto';
import { MAX_BODY_BYTES } from '@lars/wire';
import { buildRouteTable, changedRoutes, patchRouteTable, RouteTable } from '../src/internal.js';
import type { RouteRow } from '../src/route-store.js';

function hostsOf(table: RouteTable, modid: number, cmdid: number): Array<[number, number]> | undefined {
  const body = table.lookup(modid, cmdid);
  if (body === undefined) return undefined;
  const res = decodeBody(MessageId.GetRouteResponse, body);
  expect([res.modid, res.cmdid]).toEqual([modid, cmdid]);
  return res.host.map((h) => [h.ip ?? 0, h.port ?? 0]);
}

/** 1 to 4 hosts per route. */
const hostCount = (modid: number, cmdid: number) => ((((modid + cmdid) % 4) + 4) % 4) + 1;

describe('route table', () => {
  it('finds every route of sorted rows and nothing else', () => {
    const rows: RouteRow[] = [];
    for (let modid = -3; modid < 300; modid++) {
      for (let cmdid = 0; cmdid < 3; cmdid++) {
        for (let h = 0; h < hostCount(modid, cmdid); h++)
          rows.push({ modid, cmdid, ip: 3232235953 + h, port: 7000 + h });
      }
    }
    const built = buildRouteTable(rows);
    expect(built.routes).toBe(303 * 3);
    expect(built.hosts).toBe(rows.length);
    expect(built.truncated).toEqual([]);
    const table = new RouteTable(built.buffer);
    expect(table.routes).toBe(built.routes);
    expect(table.hosts).toBe(rows.length);
    for (let modid = -3; modid < 300; modid++) {
      for (let cmdid = 0; cmdid < 3; cmdid++) {
        const expected = Array.from({ length: hostCount(modid, cmdid) }, (_, h) => [3232235953 + h, 7000 + h]);
        expect(hostsOf(table, modid, cmdid)).toEqual(expected);
      }
    }
    expect(table.lookup(300, 0)).toBeUndefined();
    expect(table.lookup(1, 3)).toBeUndefined();
    expect(RouteTable.empty().lookup(1, 1)).toBeUndefined();
  });

  it('works from another view of the same buffer (what the serving thread adopts)', () => {
    const built = buildRouteTable([{ modid: 1, cmdid: 1, ip: 1, port: 1 }]);
    const a = new RouteTable(built.buffer);
    const b = new RouteTable(built.buffer);
    expect(a.lookup(1, 1)!.buffer).toBe(b.lookup(1, 1)!.buffer);
    expect(() => new RouteTable(new SharedArrayBuffer(64))).toThrow(/not a route table/);
  });

  it('serves the hosts that fit one frame of a route that is too large, and reports it', () => {
    const rows: RouteRow[] = [];
    // 128.x and up: the ip takes a 10-byte varint, about 16 bytes per host.
    for (let h = 0; h < 5000; h++) rows.push({ modid: 7, cmdid: 7, ip: 3232235953 + h, port: 10000 + h });
    rows.push({ modid: 8, cmdid: 8, ip: 1, port: 1 });
    const built = buildRouteTable(rows);
    expect(built.truncated).toHaveLength(1);
    const [t] = built.truncated;
    expect(t).toMatchObject({ modid: 7, cmdid: 7, hosts: 5000 });
    expect(t.served).toBeGreaterThan(3900);
    expect(t.served).toBeLessThan(5000);
    const table = new RouteTable(built.buffer);
    expect(table.lookup(7, 7)!.length).toBeLessThanOrEqual(MAX_BODY_BYTES);
    expect(hostsOf(table, 7, 7)).toHaveLength(t.served);
    expect(hostsOf(table, 8, 8)).toEqual([[1, 1]]);
  });
});

describe('patching and comparing route tables', () => {
  const rowsOf = (modid: number, cmdid: number, n: number, base = 0): RouteRow[] =>
    Array.from({ length: n }, (_, h) => ({ modid, cmdid, ip: 167772160 + base + h, port: 7000 + h }));
  const base = () => {
    const rows: RouteRow[] = [];
    for (let modid = 1; modid <= 50; modid++) rows.push(...rowsOf(modid, 1, hostCount(modid, 1)));
    return new RouteTable(buildRouteTable(rows).buffer);
  };

  it('replaces, adds and removes the patched routes and carries every other route over as it was', () => {
    const before = base();
    const built = patchRouteTable(before, [
      { modid: 3, cmdid: 1, rows: rowsOf(3, 1, 6, 100) },
      { modid: 4, cmdid: 1, rows: [] },
      { modid: 900, cmdid: 9, rows: rowsOf(900, 9, 2) },
      { modid: 901, cmdid: 9, rows: [] },
    ]);
    const after = new RouteTable(built.buffer);
    expect(built.routes).toBe(50 - 1 + 1);
    expect(after.routes).toBe(built.routes);
    let hosts = 0;
    for (let modid = 1; modid <= 50; modid++) hosts += hostCount(modid, 1);
    expect(after.hosts).toBe(hosts - hostCount(3, 1) + 6 - hostCount(4, 1) + 2);
    expect(hostsOf(after, 3, 1)).toEqual(rowsOf(3, 1, 6, 100).map((r) => [r.ip, r.port]));
    expect(hostsOf(after, 4, 1)).toBeUndefined();
    expect(hostsOf(after, 900, 9)).toEqual(rowsOf(900, 9, 2).map((r) => [r.ip, r.port]));
    expect(after.has(901, 9)).toBe(false);
    for (let modid = 1; modid <= 50; modid++) {
      if (modid === 3 || modid === 4) continue;
      expect(hostsOf(after, modid, 1)).toEqual(hostsOf(before, modid, 1));
    }
    // The base table is untouched (the serving thread may still be answering from it).
    expect(hostsOf(before, 4, 1)).toHaveLength(hostCount(4, 1));
  });

  it('carries a truncated route over with all its hosts, still truncated, without re-encoding it', () => {
    const big = rowsOf(7, 7, 5000, 3232235953 - 167772160);
    const built = buildRouteTable([...big, ...rowsOf(8, 8, 1)]);
    const patched = patchRouteTable(new RouteTable(built.buffer), [{ modid: 8, cmdid: 8, rows: rowsOf(8, 8, 3) }]);
    expect(patched.truncated).toEqual(built.truncated);
    expect(patched.hosts).toBe(5000 + 3);
    const after = new RouteTable(patched.buffer);
    expect(hostsOf(after, 7, 7)).toEqual(hostsOf(new RouteTable(built.buffer), 7, 7));
    // Patching the big route itself with fewer hosts ends its truncation.
    const shrunk = patchRouteTable(after, [{ modid: 7, cmdid: 7, rows: big.slice(0, 10) }]);
    expect(shrunk.truncated).toEqual([]);
    expect(hostsOf(new RouteTable(shrunk.buffer), 7, 7)).toHaveLength(10);
  });

  it('names exactly the routes served differently: hosts changed, reordered, added, removed', () => {
    const before = base();
    const rows: RouteRow[] = [];
    for (let modid = 1; modid <= 50; modid++) {
      if (modid === 5) continue;
      if (modid === 6) rows.push(...rowsOf(6, 1, hostCount(6, 1)).reverse());
      else if (modid === 7) rows.push(...rowsOf(7, 1, hostCount(7, 1) + 1));
      else rows.push(...rowsOf(modid, 1, hostCount(modid, 1)));
    }
    rows.push(...rowsOf(60, 2, 1));
    const after = new RouteTable(buildRouteTable(rows).buffer);
    const changed = changedRoutes(before, after).sort((a, b) => a.modid - b.modid);
    const expected = [5, 7, 60].map((modid) => ({ modid, cmdid: modid === 60 ? 2 : 1 }));
    // Route 6 has one host when hostCount is 1; reversing it changes nothing then.
    if (hostCount(6, 1) > 1) expected.splice(1, 0, { modid: 6, cmdid: 1 });
    expect(changed).toEqual(expected);
    expect(changedRoutes(after, after)).toEqual([]);
    expect(changedRoutes(RouteTable.empty(), after)).toHaveLength(after.routes);
  });
});
