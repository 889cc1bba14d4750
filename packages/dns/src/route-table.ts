import { encodeBody, encodeRouteFitting, MessageId, type HostInfo } from '@lars/proto';
import { MAX_BODY_BYTES } from '@lars/wire';
import type { RouteRow } from './route-store.js';

/**
 * The DNS's served table, in one SharedArrayBuffer that the loader worker
 * fills and the serving thread adopts by reference: no per-key copy, and
 * readers see the old table or the new one, never half of one.
 *
 * Layout (32-bit words):
 *   [0] FORMAT  [1] routes  [2] slot mask  [3] hosts  [4] truncated routes
 *   slots: (mask + 1) x [modid, cmdid, first host, hosts served]; served -1 = empty
 *   ips:   one uint32 per host;  ports: one int32 per host
 * Lookup is open addressing with linear probing; the load factor stays <= 0.5.
 * Immutable once built (postMessage publishes it), so plain reads are safe.
 *
 * Hosts are stored, not encoded: building then costs a copy of each row
 * (the load stays close to the bare SELECT), and a route's GetRouteResponse
 * is encoded on the serving thread the first time it is asked for from this
 * table, then reused for every later request and push until the next swap.
 */
const FORMAT = 0x4c52_5402;
const HEADER_WORDS = 5;
const SLOT_WORDS = 4;
const EMPTY = -1;

/**
 * A host entry of GetRouteResponse takes at most 17 bytes (tag, length, ip as
 * a 10-byte negative varint with its tag, port with its tag), so a route with
 * up to this many hosts always fits one frame and needs no size check.
 */
const ALWAYS_FITS = Math.floor((MAX_BODY_BYTES - 12) / 17);

/** A route whose hosts did not fit one frame: the table serves the first `served`. */
export interface TruncatedRoute {
  modid: number;
  cmdid: number;
  hosts: number;
  served: number;
}

export interface RouteTableBuild {
  buffer: SharedArrayBuffer;
  routes: number;
  hosts: number;
  truncated: TruncatedRoute[];
}

function slotOf(modid: number, cmdid: number, mask: number): number {
  let h = Math.imul(modid, 0x9e3779b1) ^ Math.imul(cmdid ^ 0x7f4a7c15, 0x85ebca77);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return h & mask;
}

function sameRoute(a: RouteRow, b: RouteRow): boolean {
  return a.modid === b.modid && a.cmdid === b.cmdid;
}

/** Builds a table from RouteData rows sorted by (modid, cmdid), as the loader's SELECT returns them. */
export function buildRouteTable(rows: readonly RouteRow[]): RouteTableBuild {
  const n = rows.length;
  let routes = 0;
  for (let i = 0; i < n; i++) if (i === 0 || !sameRoute(rows[i], rows[i - 1])) routes++;
  let slots = 2;
  while (slots < routes * 2) slots *= 2;
  const slotWords = HEADER_WORDS + slots * SLOT_WORDS;
  const buffer = new SharedArrayBuffer((slotWords + 2 * n) * 4);
  const words = new Int32Array(buffer, 0, slotWords);
  const ips = new Uint32Array(buffer, slotWords * 4, n);
  const ports = new Int32Array(buffer, (slotWords + n) * 4, n);
  const mask = slots - 1;
  const truncated: TruncatedRoute[] = [];
  words.fill(EMPTY, HEADER_WORDS);
  let i = 0;
  while (i < n) {
    const { modid, cmdid } = rows[i];
    const first = i;
    for (; i < n && rows[i].modid === modid && rows[i].cmdid === cmdid; i++) {
      ips[i] = rows[i].ip;
      ports[i] = rows[i].port;
    }
    let served = i - first;
    if (served > ALWAYS_FITS) {
      served = hostsThatFit(modid, cmdid, rows.slice(first, i));
      if (served < i - first) truncated.push({ modid, cmdid, hosts: i - first, served });
    }
    let slot = slotOf(modid, cmdid, mask);
    while (words[HEADER_WORDS + slot * SLOT_WORDS + 3] !== EMPTY) slot = (slot + 1) & mask;
    const at = HEADER_WORDS + slot * SLOT_WORDS;
    words[at] = modid;
    words[at + 1] = cmdid;
    words[at + 2] = first;
    words[at + 3] = served;
  }
  words[0] = FORMAT;
  words[1] = routes;
  words[2] = mask;
  words[3] = n;
  words[4] = truncated.length;
  return { buffer, routes, hosts: n, truncated };
}

/** How many of `hosts` fit one GetRouteResponse frame (rare: only routes of thousands of hosts get here). */
function hostsThatFit(modid: number, cmdid: number, hosts: RouteRow[]): number {
  return encodeRouteFitting(MessageId.GetRouteResponse, modid, cmdid, hosts, MAX_BODY_BYTES).served;
}

/** Read side of a table built by buildRouteTable, on any thread that holds the buffer. */
export class RouteTable {
  readonly buffer: SharedArrayBuffer;
  private readonly words: Int32Array;
  private readonly ips: Uint32Array;
  private readonly ports: Int32Array;
  private readonly mask: number;
  /** Encoded bodies by slot, filled on first use. */
  private readonly bodies = new Map<number, Uint8Array>();

  constructor(buffer: SharedArrayBuffer) {
    const header = new Int32Array(buffer, 0, HEADER_WORDS);
    if (header[0] !== FORMAT) throw new TypeError('not a route table buffer');
    this.buffer = buffer;
    this.mask = header[2];
    const hosts = header[3];
    const slotWords = HEADER_WORDS + (this.mask + 1) * SLOT_WORDS;
    this.words = new Int32Array(buffer, 0, slotWords);
    this.ips = new Uint32Array(buffer, slotWords * 4, hosts);
    this.ports = new Int32Array(buffer, (slotWords + hosts) * 4, hosts);
  }

  /** An empty table (before the first load). */
  static empty(): RouteTable {
    return new RouteTable(buildRouteTable([]).buffer);
  }

  get routes(): number {
    return this.words[1];
  }

  get hosts(): number {
    return this.words[3];
  }

  /** Routes that serve only the hosts fitting one frame. */
  get truncatedRoutes(): number {
    return this.words[4];
  }

  /** The route's GetRouteResponse body, or undefined when the table does not hold the key. */
  lookup(modid: number, cmdid: number): Uint8Array | undefined {
    const slot = this.find(modid, cmdid);
    if (slot < 0) return undefined;
    let body = this.bodies.get(slot);
    if (body === undefined) {
      body = encodeBody(MessageId.GetRouteResponse, { modid, cmdid, host: this.hostsAt(slot) });
      this.bodies.set(slot, body);
    }
    return body;
  }

  private find(modid: number, cmdid: number): number {
    const words = this.words;
    const mask = this.mask;
    let slot = slotOf(modid, cmdid, mask);
    for (;;) {
      const at = HEADER_WORDS + slot * SLOT_WORDS;
      if (words[at + 3] === EMPTY) return -1;
      if (words[at] === modid && words[at + 1] === cmdid) return slot;
      slot = (slot + 1) & mask;
    }
  }

  private hostsAt(slot: number): HostInfo[] {
    const at = HEADER_WORDS + slot * SLOT_WORDS;
    const first = this.words[at + 2];
    const count = this.words[at + 3];
    const hosts: HostInfo[] = new Array(count);
    for (let k = 0; k < count; k++) hosts[k] = { ip: this.ips[first + k], port: this.ports[first + k] };
    return hosts;
  }
}
