import { ErrorCode, LarsError } from '@lars/wire';

/**
 * Who may connect (`[reactor] allow`): loopback and the private ranges. The
 * IPv4-mapped IPv6 forms (`::ffff:10.1.2.3`, what a dual-stack listener sees
 * for an IPv4 peer) are covered too, by the matching rule of IpAllowList.
 */
export const DEFAULT_ALLOW: readonly string[] = Object.freeze([
  '127.0.0.0/8',
  '::1/128',
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  'fc00::/7',
]);

/** One parsed CIDR range; `network` has no bits set past `prefix`. */
export interface CidrRange {
  readonly family: 4 | 6;
  readonly network: bigint;
  readonly prefix: number;
}

const V4_BITS = 32;
const V6_BITS = 128;
/** ::ffff:0:0/96 holds the IPv4-mapped IPv6 addresses. */
const MAPPED_PREFIX = 0xffffn;
const OCTET = /^(0|[1-9]\d{0,2})$/;
const HEXTET = /^[0-9a-f]{1,4}$/i;
const PREFIX = /^(0|[1-9]\d{0,2})$/;

/** An IPv4 address in dotted quad form as a 32-bit value, or null. No leading zeros (they read as octal elsewhere). */
export function parseIPv4(text: string): bigint | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let value = 0n;
  for (const part of parts) {
    if (!OCTET.test(part)) return null;
    const octet = Number(part);
    if (octet > 255) return null;
    value = (value << 8n) | BigInt(octet);
  }
  return value;
}

/** An IPv6 address (with `::` and an optional dotted IPv4 tail, no zone) as a 128-bit value, or null. */
export function parseIPv6(text: string): bigint | null {
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const head = groupsOf(halves[0], halves.length === 1);
  const tail = halves.length === 2 ? groupsOf(halves[1], true) : [];
  if (head === null || tail === null) return null;
  const count = head.length + tail.length;
  // Without `::` all 8 groups are written; `::` stands for at least one zero group.
  if (halves.length === 1 ? count !== 8 : count > 7) return null;
  let value = 0n;
  for (const g of head) value = (value << 16n) | BigInt(g);
  value <<= BigInt(16 * (8 - count));
  for (const g of tail) value = (value << 16n) | BigInt(g);
  return value;
}

/** The 16-bit groups of one side of `::` ('' is none); a dotted IPv4 part, last only, is two groups. */
function groupsOf(side: string, v4TailAllowed: boolean): number[] | null {
  if (side === '') return [];
  const parts = side.split(':');
  const groups: number[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    if (HEXTET.test(part)) {
      groups.push(Number.parseInt(part, 16));
      continue;
    }
    if (!v4TailAllowed || i !== parts.length - 1) return null;
    const v4 = parseIPv4(part);
    if (v4 === null) return null;
    groups.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
  }
  return groups;
}

/** The IPv4 address inside an IPv4-mapped IPv6 address, else null. */
function unmapped(v6: bigint): bigint | null {
  return v6 >> 32n === MAPPED_PREFIX ? v6 & 0xffffffffn : null;
}

function badItem(option: string, index: number, item: string, why: string): LarsError {
  return new LarsError(ErrorCode.BAD_OPTION, `invalid option ${option}: item ${index + 1} "${item}" ${why}`);
}

/**
 * Parses `a.b.c.d/n`, `x:y::z/n` or a bare address (one host). Throws
 * LarsError(LARS_BAD_OPTION) naming `option` and the item. An IPv6 range
 * inside ::ffff:0:0/96 is returned as the IPv4 range it maps.
 */
export function parseCidr(item: string, option = 'allow', index = 0): CidrRange {
  const text = item.trim();
  const slash = text.indexOf('/');
  const addressText = slash < 0 ? text : text.slice(0, slash);
  const prefixText = slash < 0 ? null : text.slice(slash + 1);
  const v4 = parseIPv4(addressText);
  const v6 = v4 === null ? parseIPv6(addressText) : null;
  if (v4 === null && v6 === null) {
    throw badItem(option, index, item, 'is not an IPv4 or IPv6 address or CIDR range (e.g. 10.0.0.0/8, fc00::/7)');
  }
  const bits = v4 !== null ? V4_BITS : V6_BITS;
  if (prefixText !== null && !PREFIX.test(prefixText)) {
    throw badItem(option, index, item, `has a bad prefix length "${prefixText}" (allowed 0..${bits})`);
  }
  const prefix = prefixText === null ? bits : Number(prefixText);
  if (prefix > bits) throw badItem(option, index, item, `has prefix length ${prefix} (allowed 0..${bits})`);
  const address = (v4 ?? v6) as bigint;
  const hostBits = BigInt(bits - prefix);
  const network = (address >> hostBits) << hostBits;
  if (network !== address) {
    const shown = v4 !== null ? formatIPv4(network) : formatIPv6(network);
    throw badItem(option, index, item, `has bits set past its /${prefix} prefix (did you mean ${shown}/${prefix}?)`);
  }
  if (v6 !== null && prefix >= 96) {
    const inner = unmapped(network);
    if (inner !== null) return { family: 4, network: inner, prefix: prefix - 96 };
  }
  return { family: bits === V4_BITS ? 4 : 6, network, prefix };
}

function formatIPv4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 0xffn)).join('.');
}

function formatIPv6(value: bigint): string {
  const groups: string[] = [];
  for (let s = 112n; s >= 0n; s -= 16n) groups.push(((value >> s) & 0xffffn).toString(16));
  return groups.join(':');
}

function inRange(range: CidrRange, bits: number, address: bigint): boolean {
  const hostBits = BigInt(bits - range.prefix);
  return address >> hostBits === range.network >> hostBits;
}

/**
 * An allow list of CIDR ranges, checked once per accepted connection.
 * Matching rule: an IPv4-mapped IPv6 peer address (`::ffff:a.b.c.d`) is
 * matched as the IPv4 address a.b.c.d, so an IPv4 range also admits its mapped
 * form; an IPv6 range that contains all of ::ffff:0:0/96 (`::/0`) admits every
 * IPv4 peer too. An address that does not parse is not allowed.
 */
export class IpAllowList {
  readonly ranges: readonly CidrRange[];
  private readonly v4: readonly CidrRange[];
  private readonly v6: readonly CidrRange[];
  private readonly allV4: boolean;

  private constructor(ranges: CidrRange[]) {
    this.ranges = Object.freeze(ranges);
    this.v4 = ranges.filter((r) => r.family === 4);
    this.v6 = ranges.filter((r) => r.family === 6);
    const mappedBlock = MAPPED_PREFIX << 32n;
    this.allV4 = this.v6.some((r) => r.prefix <= 96 && inRange(r, V6_BITS, mappedBlock));
  }

  /** Parses every item; throws LARS_BAD_OPTION naming `option` and the first bad item, or an empty list. */
  static parse(items: readonly string[], option = 'allow'): IpAllowList {
    if (items.length === 0) {
      throw new LarsError(
        ErrorCode.BAD_OPTION,
        `invalid option ${option}: the list is empty, so no peer could connect (0.0.0.0/0 and ::/0 allow every peer)`,
      );
    }
    return new IpAllowList(items.map((item, i) => parseCidr(item, option, i)));
  }

  /** True when `address` (a socket's remoteAddress, possibly with a %zone) is in one of the ranges. */
  allows(address: string): boolean {
    const percent = address.indexOf('%');
    const text = percent < 0 ? address : address.slice(0, percent);
    let v4 = parseIPv4(text);
    if (v4 === null) {
      const v6 = parseIPv6(text);
      if (v6 === null) return false;
      v4 = unmapped(v6);
      if (v4 === null) return this.v6.some((r) => inRange(r, V6_BITS, v6));
    }
    const ip = v4;
    return this.allV4 || this.v4.some((r) => inRange(r, V4_BITS, ip));
  }
}
