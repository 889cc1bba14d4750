import { describe, expect, it } from 'vitest';
import { decodeBody, MessageId } from '@lars/proto';
import { MAX_BODY_BYTES } from '@lars/wire';
import { buildRouteTable, RouteTable } from '../src/internal.js';
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
