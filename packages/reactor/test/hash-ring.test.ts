import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '@lars/wire';
import { hashString, hashWords, HashRing, routeKey } from '../src/hash-ring.js';

const murmur = createRequire(import.meta.url)('murmurhash3js-revisited') as {
  x86: { hash32(bytes: Uint8Array, seed?: number): number };
};

const KEYS = Array.from({ length: 10_000 }, (_, i) => `key-${i}`);

function owners<T>(ring: HashRing<T>): T[] {
  return KEYS.map((k) => ring.get(k) as T);
}

describe('hashing', () => {
  it('hashWords is MurmurHash3 x86_32 of the 8 little-endian bytes, as the package computes it', () => {
    const bytes = new Uint8Array(8);
    const view = new DataView(bytes.buffer);
    for (const [lo, hi, seed] of [
      [0, 0, 0],
      [1, 2, 0],
      [0xffffffff, 0x80000000, 0],
      [123456789, 987654321, 42],
    ]) {
      view.setUint32(0, lo, true);
      view.setUint32(4, hi, true);
      expect(hashWords(lo, hi, seed)).toBe(murmur.x86.hash32(bytes, seed));
    }
    expect(hashString('lars', 0)).toBe(murmur.x86.hash32(new TextEncoder().encode('lars'), 0));
  });

  it('routeKey depends on both modid and cmdid', () => {
    expect(routeKey(1, 2)).toBe(routeKey(1, 2));
    expect(routeKey(1, 2)).not.toBe(routeKey(2, 1));
    expect(routeKey(1, 2)).toBe(hashWords(1, 2));
  });
});

describe('HashRing', () => {
  it('maps the same key to the same node, whatever the order nodes were given in', () => {
    const a = new HashRing(['r1', 'r2', 'r3', 'r4']);
    const b = new HashRing(['r4', 'r2', 'r1', 'r3']);
    expect(owners(a)).toEqual(owners(b));
    expect(owners(a)).toEqual(owners(a));
    for (let m = 1; m < 50; m++) expect(a.get(routeKey(m, 7))).toBe(b.get(routeKey(m, 7)));
  });

  it('spreads keys over every node', () => {
    const nodes = [0, 1, 2, 3, 4];
    const ring = new HashRing(nodes);
    const counts = new Map<number, number>();
    for (const n of owners(ring)) counts.set(n, (counts.get(n) ?? 0) + 1);
    for (const n of nodes) expect(counts.get(n) ?? 0).toBeGreaterThan(KEYS.length / nodes.length / 2);
    const numeric = new Set(Array.from({ length: 1000 }, (_, i) => ring.get(routeKey(i, 1))));
    expect(numeric).toEqual(new Set(nodes));
  });

  it('going from N to N+1 nodes moves about 1/(N+1) of the keys, all to the new node', () => {
    for (const n of [2, 3, 5, 8]) {
      const nodes = Array.from({ length: n }, (_, i) => `10.0.0.${i}:7779`);
      const ring = new HashRing(nodes);
      const before = owners(ring);
      const added = `10.0.0.${n}:7779`;
      expect(ring.add(added)).toBe(true);
      expect(ring.add(added)).toBe(false);
      const after = owners(ring);
      let moved = 0;
      for (let i = 0; i < KEYS.length; i++) {
        if (before[i] === after[i]) continue;
        moved++;
        expect(after[i]).toBe(added);
      }
      const expected = KEYS.length / (n + 1);
      expect(moved).toBeGreaterThan(expected * 0.5);
      expect(moved).toBeLessThan(expected * 1.5);
      // Removing it again restores the old placement exactly.
      expect(ring.remove(added)).toBe(true);
      expect(owners(ring)).toEqual(before);
    }
  });

  it('handles object nodes with a nodeKey, empty rings and bad options', () => {
    interface Addr {
      host: string;
      port: number;
    }
    const nodes: Addr[] = [
      { host: '10.0.0.1', port: 7779 },
      { host: '10.0.0.2', port: 7779 },
    ];
    expect(() => new HashRing(nodes)).toThrow(expect.objectContaining({ code: ErrorCode.BAD_OPTION }));
    const ring = new HashRing(nodes, { nodeKey: (a, r) => `${a.host}:${a.port}#${r}`, virtualNodes: 40 });
    expect(ring.size).toBe(2);
    expect(nodes).toContain(ring.get('x'));
    expect(ring.remove(nodes[0])).toBe(true);
    expect(ring.remove(nodes[0])).toBe(false);
    expect(ring.get('x')).toBe(nodes[1]);
    ring.remove(nodes[1]);
    expect(ring.get('x')).toBeUndefined();
    expect(() => new HashRing([1], { virtualNodes: 0 })).toThrow(/virtualNodes/);
    expect(() => new HashRing([1, 1])).toThrow(/nodes/);
    expect(() => new HashRing([1]).get(1.5)).toThrow(/key/);
  });
});
