import { describe, expect, it } from 'vitest';
import { LoadBalanceHost, hostKey } from '../src/load-balance-host.js';

describe('hostKey', () => {
  it('is ip * 65536 + port with the ip read unsigned', () => {
    expect(hostKey(3232235953, 7777)).toBe(3232235953 * 65536 + 7777);
    // The int32 wire form of the same address gives the same key.
    expect(hostKey(3232235953 | 0, 7777)).toBe(hostKey(3232235953, 7777));
    expect(hostKey(1, 0)).not.toBe(hostKey(0, 65535));
    expect(hostKey(0xffffffff, 65535)).toBeLessThanOrEqual(Number.MAX_SAFE_INTEGER);
  });
});

describe('LoadBalanceHost', () => {
  it('resets its counters as set_idle and set_overload say', () => {
    const host = new LoadBalanceHost(3232235953 | 0, 80);
    expect(host.ip).toBe(3232235953);
    host.rsucc = 4;
    host.rerr = 2;
    host.continErr = 2;
    host.resetOverload(1000, 5);
    expect(host).toMatchObject({ vsucc: 0, verr: 5, rsucc: 0, rerr: 0, continSucc: 0, continErr: 0 });
    expect(host).toMatchObject({ overload: true, overloadTs: 1000 });
    host.continSucc = 3;
    host.vsucc = 9;
    host.resetIdle(2000, 180);
    expect(host).toMatchObject({ vsucc: 180, verr: 0, rsucc: 0, rerr: 0, continSucc: 0, continErr: 0 });
    expect(host).toMatchObject({ overload: false, idleTs: 2000 });
  });
});
