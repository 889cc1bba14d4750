import { isIPv4 } from 'node:net';
import { checkOption } from './errors.js';

/** `127.0.0.1` -> 0x7f000001: the host-order form the metadata words hold. */
export function ipv4ToU32(address: string): number {
  checkOption(isIPv4(address), 'address', `${JSON.stringify(address)} is not an IPv4 address`);
  const [a, b, c, d] = address.split('.').map(Number);
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
}

/** 0x7f000001 -> `127.0.0.1`. */
export function u32ToIpv4(ip: number): string {
  return `${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}`;
}
