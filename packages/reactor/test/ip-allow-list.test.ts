import { describe, expect, it } from 'vitest';
import { ErrorCode } from '@lars/wire';
import { DEFAULT_ALLOW, IpAllowList, parseCidr, parseIPv4, parseIPv6 } from '../src/ip-allow-list.js';

function thrown(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (err) {
    return err as { code: string; message: string };
  }
  throw new Error('did not throw');
}

describe('parseIPv4 / parseIPv6', () => {
  it('parses dotted quads and rejects malformed ones', () => {
    expect(parseIPv4('10.1.2.3')).toBe(0x0a010203n);
    expect(parseIPv4('255.255.255.255')).toBe(0xffffffffn);
    for (const bad of ['10.1.2', '10.1.2.3.4', '256.1.1.1', '01.1.1.1', '1..1.1', 'a.b.c.d', '']) {
      expect(parseIPv4(bad), bad).toBeNull();
    }
  });

  it('parses IPv6 with :: and a dotted IPv4 tail, and rejects malformed ones', () => {
    expect(parseIPv6('::1')).toBe(1n);
    expect(parseIPv6('::')).toBe(0n);
    expect(parseIPv6('fc00::')).toBe(0xfc00n << 112n);
    expect(parseIPv6('1:2:3:4:5:6:7:8')).toBe(0x00010002000300040005000600070008n);
    expect(parseIPv6('1::8')).toBe((1n << 112n) | 8n);
    expect(parseIPv6('::ffff:10.1.2.3')).toBe((0xffffn << 32n) | 0x0a010203n);
    expect(parseIPv6('1:2:3:4:5:6:1.2.3.4')).toBe(parseIPv6('1:2:3:4:5:6:102:304'));
    for (const bad of [
      '1:2:3:4:5:6:7',
      '1:2:3:4:5:6:7:8:9',
      '1::2::3',
      '1:2:3:4:5:6:7::8',
      'g::1',
      '1.2.3.4::',
      ':1',
    ]) {
      expect(parseIPv6(bad), bad).toBeNull();
    }
  });
});

describe('parseCidr', () => {
  it('parses ranges and bare addresses', () => {
    expect(parseCidr('10.0.0.0/8')).toEqual({ family: 4, network: 0x0a000000n, prefix: 8 });
    expect(parseCidr(' 192.168.1.7 ')).toEqual({ family: 4, network: 0xc0a80107n, prefix: 32 });
    expect(parseCidr('fc00::/7')).toEqual({ family: 6, network: 0xfc00n << 112n, prefix: 7 });
    expect(parseCidr('0.0.0.0/0')).toEqual({ family: 4, network: 0n, prefix: 0 });
  });

  it('turns an IPv4-mapped IPv6 range into the IPv4 range it maps', () => {
    expect(parseCidr('::ffff:10.0.0.0/104')).toEqual({ family: 4, network: 0x0a000000n, prefix: 8 });
    expect(parseCidr('::ffff:0:0/96')).toEqual({ family: 4, network: 0n, prefix: 0 });
  });

  it('names the option, the item and the reason in a LARS_BAD_OPTION', () => {
    const cases: Array<[string, string]> = [
      ['10.0.0.0/33', 'invalid option allow: item 1 "10.0.0.0/33" has prefix length 33 (allowed 0..32)'],
      ['fc00::/129', 'invalid option allow: item 1 "fc00::/129" has prefix length 129 (allowed 0..128)'],
      ['10.0.0.0/', 'invalid option allow: item 1 "10.0.0.0/" has a bad prefix length "" (allowed 0..32)'],
      ['10.0.0.0/8/8', 'invalid option allow: item 1 "10.0.0.0/8/8" has a bad prefix length "8/8" (allowed 0..32)'],
      [
        '10.1.0.0/8',
        'invalid option allow: item 1 "10.1.0.0/8" has bits set past its /8 prefix (did you mean 10.0.0.0/8?)',
      ],
      [
        'localhost',
        'invalid option allow: item 1 "localhost" is not an IPv4 or IPv6 address or CIDR range (e.g. 10.0.0.0/8, fc00::/7)',
      ],
    ];
    for (const [item, message] of cases) {
      expect(thrown(() => parseCidr(item))).toMatchObject({ code: ErrorCode.BAD_OPTION, message });
    }
  });
});

describe('IpAllowList', () => {
  const defaults = IpAllowList.parse(DEFAULT_ALLOW);

  it('allows loopback and the private ranges by default, with their IPv4-mapped forms', () => {
    const allowed = [
      '127.0.0.1',
      '127.255.255.254',
      '::1',
      '10.0.0.1',
      '10.255.255.255',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.0.1',
      'fc00::1',
      'fd12:3456::1',
      '::ffff:127.0.0.1',
      '::ffff:10.2.3.4',
      '::ffff:172.20.0.1',
      '::ffff:192.168.5.5',
    ];
    for (const a of allowed) expect(defaults.allows(a), a).toBe(true);
  });

  it('refuses public addresses, their mapped forms, and addresses that do not parse', () => {
    const refused = [
      '8.8.8.8',
      '172.15.255.255',
      '172.32.0.0',
      '192.169.0.1',
      '11.0.0.1',
      '2001:db8::1',
      'fe00::1',
      '::2',
      '::ffff:8.8.8.8',
      '::ffff:172.32.0.1',
      'not-an-address',
      '',
    ];
    for (const a of refused) expect(defaults.allows(a), a).toBe(false);
  });

  it('ignores a %zone of a link-local peer address', () => {
    const list = IpAllowList.parse(['fe80::/10']);
    expect(list.allows('fe80::1%eth0')).toBe(true);
    expect(list.allows('fe80::1')).toBe(true);
  });

  it('::/0 admits every peer, IPv4 included; 0.0.0.0/0 admits IPv4 and mapped peers only', () => {
    const all6 = IpAllowList.parse(['::/0']);
    expect(['8.8.8.8', '::ffff:8.8.8.8', '2001:db8::1'].map((a) => all6.allows(a))).toEqual([true, true, true]);
    const all4 = IpAllowList.parse(['0.0.0.0/0']);
    expect(['8.8.8.8', '::ffff:8.8.8.8', '2001:db8::1'].map((a) => all4.allows(a))).toEqual([true, true, false]);
  });

  it('names the first bad item by position, and refuses an empty list', () => {
    expect(thrown(() => IpAllowList.parse(['127.0.0.0/8', '10.0.0.0/8', '300.0.0.0/8'], 'allow'))).toMatchObject({
      code: ErrorCode.BAD_OPTION,
      message: expect.stringContaining('item 3 "300.0.0.0/8"'),
    });
    expect(thrown(() => IpAllowList.parse([]))).toMatchObject({
      code: ErrorCode.BAD_OPTION,
      message: expect.stringContaining('the list is empty'),
    });
  });
});
