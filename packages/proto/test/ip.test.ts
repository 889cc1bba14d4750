import { describe, expect, it } from 'vitest';
import { intToIp, ipToInt, parseIpv4 } from '../src/index.js';

describe('IPv4 conversion', () => {
  const cases: Array<[string, number]> = [
    ['0.0.0.0', 0],
    ['127.0.0.1', 2130706433],
    ['192.168.1.177', 3232235953],
    ['255.255.255.255', 4294967295],
  ];

  for (const [quad, n] of cases) {
    it(`${quad} <-> ${n}`, () => {
      expect(ipToInt(quad)).toBe(n);
      expect(intToIp(n)).toBe(quad);
      // The int32 form a raw protobuf decode gives for 128.x and up.
      expect(intToIp(n | 0)).toBe(quad);
    });
  }

  it('rejects what is not a dotted quad, naming it', () => {
    for (const bad of ['', '1.2.3', '1.2.3.4.5', '256.1.1.1', 'a.b.c.d', ' 1.2.3.4', '1.2.3.-4']) {
      expect(parseIpv4(bad)).toBe(-1);
      expect(() => ipToInt(bad)).toThrow(JSON.stringify(bad));
    }
  });
});
