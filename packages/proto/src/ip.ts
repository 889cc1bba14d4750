// The one IPv4 conversion of Lars-TS (protocol.md "IPv4 encoding"): the dotted
// quad read big-endian, a.b.c.d -> a*2^24 + b*2^16 + c*2^8 + d, the number
// MySQL's INET_ATON gives. Application code holds the unsigned number; the
// generated codec wraps it to int32 on the wire and unwraps it when decoding.

const QUAD = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** `192.168.1.177` -> 3232235953. Returns -1 for anything that is not a dotted quad. */
export function parseIpv4(ip: string): number {
  const m = QUAD.exec(ip);
  if (m === null) return -1;
  let n = 0;
  for (let i = 1; i <= 4; i++) {
    const octet = Number(m[i]);
    if (octet > 255) return -1;
    n = n * 256 + octet;
  }
  return n;
}

/** `192.168.1.177` -> 3232235953; throws a RangeError naming the bad input. */
export function ipToInt(ip: string): number {
  const n = parseIpv4(ip);
  if (n < 0) throw new RangeError(`not an IPv4 address: ${JSON.stringify(ip)}`);
  return n;
}

/** 3232235953 (or its int32 form -1062731343) -> `192.168.1.177`. */
export function intToIp(n: number): string {
  const u = n >>> 0;
  return `${u >>> 24}.${(u >>> 16) & 255}.${(u >>> 8) & 255}.${u & 255}`;
}
