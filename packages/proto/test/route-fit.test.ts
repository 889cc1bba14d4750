import { describe, expect, it } from 'vitest';
import { agentPortIndex, decodeBody, encodeRouteFitting, MessageId } from '../src/index.js';

describe('encodeRouteFitting', () => {
  const hosts = Array.from({ length: 5000 }, (_, i) => ({ ip: 3232235953 + i, port: 10000 + i }));

  it('encodes every host when they fit', () => {
    const { body, served } = encodeRouteFitting(MessageId.GetRouteResponse, 1, 2, hosts.slice(0, 10), 65527);
    expect(served).toBe(10);
    expect(decodeBody(MessageId.GetRouteResponse, body).host).toHaveLength(10);
  });

  it('cuts to the longest prefix that fits the bound', () => {
    for (const max of [65527, 65499, 1000]) {
      const { body, served } = encodeRouteFitting(MessageId.ApiGetRouteResponse, 1, 2, hosts, max);
      expect(body.length).toBeLessThanOrEqual(max);
      expect(served).toBeLessThan(hosts.length);
      const next = encodeRouteFitting(MessageId.ApiGetRouteResponse, 1, 2, hosts.slice(0, served + 1), Infinity);
      expect(next.body.length).toBeGreaterThan(max);
      const decoded = decodeBody(MessageId.ApiGetRouteResponse, body);
      expect(decoded.host.map((h) => h.port)).toEqual(hosts.slice(0, served).map((h) => h.port));
    }
  });
});

describe('agentPortIndex', () => {
  it('is (modid + cmdid) % 3, also for negative sums', () => {
    expect([agentPortIndex(1, 2), agentPortIndex(1, 1), agentPortIndex(9, 9), agentPortIndex(4, 3)]).toEqual([
      0, 2, 0, 1,
    ]);
    expect(agentPortIndex(-1, 0)).toBe(2);
    expect(agentPortIndex(2 ** 31 - 1, 2 ** 31 - 1)).toBe((2 ** 32 - 2) % 3);
  });
});
