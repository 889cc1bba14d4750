import { encodeBody, encodeRouteFitting, MessageId, type HostInfo } from '@lars/proto';
import { MAX_BODY_BYTES } from '@lars/wire';
import type { RouteKey, RouteRow } from './route-store.js';

/**
 * The DNS's served table, in one SharedArrayBuffer that the loader worker
 * fills and the serving thread adopts by reference: no per-key copy, and
 * readers see the old table or the new one, never half of one.
 *
 * Layout (32-bit words):
 *   [0] FORMAT  [1] routes  [2] slot mask  [3] hosts  [4] truncated routes
 *   slots: (mask + 1) x [modid, cmdid, first host, hosts served, hosts stored]; served -1 = empty
 *   ips:   one uint32 per host;  ports: one int32 per host
 * Lookup is open addressing with linear probing; the load factor stays <= 0.5.
 * Immutable once built (postMessage publishes it), so plain reads are safe.
 * A route's hosts are contiguous, in the order they were added; a truncated
 * route stores all its hosts and serves the first ones, so a patch
 * (patchRouteTable) carries it over unchanged.
 *
 * Hosts are stored, not encoded: building then costs a copy of each row
 * (the load stays close to the bare SELECT), and a route's GetRouteResponse
 * is encoded on the serving thread the first time it is asked for from this
 * table, then reused for every later request and push until the next swap.
 */
const FORMAT = 0x4c52_5403;
const HEADER_WORDS = 5;
const SLOT_WORDS = 5;
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

/** A route's new hosts for patchRouteTable; none: the route is gone. */
export interface RoutePatch {
  modid: number;
  cmdid: number;
  rows: readonly RouteRow[];
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

/** Fills a new table's buffer one route at a time (buildRouteTable, patchRouteTable). */
class TableBuilder {
  readonly buffer: SharedArrayBuffer;
  readonly words: Int32Array;
  readonly ips: Uint32Array;
  readonly ports: Int32Array;
  readonly truncated: TruncatedRoute[] = [];
  private readonly mask: number;
  private routes = 0;
  private next = 0;

  /** Room for exactly `routes` routes and `hosts` hosts. */
  constructor(routes: number, hosts: number) {
    let slots = 2;
    while (slots < routes * 2) slots *= 2;
    const slotWords = HEADER_WORDS + slots * SLOT_WORDS;
    this.buffer = new SharedArrayBuffer((slotWords + 2 * hosts) * 4);
    this.words = new Int32Array(this.buffer, 0, slotWords);
    this.ips = new Uint32Array(this.buffer, slotWords * 4, hosts);
    this.ports = new Int32Array(this.buffer, (slotWords + hosts) * 4, hosts);
    this.mask = slots - 1;
    this.words.fill(EMPTY, HEADER_WORDS);
  }

  /** Where the next route's hosts go: fill ips and ports from here, then add(). */
  get at(): number {
    return this.next;
  }

  /** Adds a route whose `stored` hosts were just written at `at`; `known`: how many it serves, when already known (a carried-over route). */
  add(modid: number, cmdid: number, stored: number, known?: number): void {
    const first = this.next;
    this.next += stored;
    let served = known ?? stored;
    if (known === undefined && stored > ALWAYS_FITS) {
      served = hostsThatFit(modid, cmdid, this.rowsAt(modid, cmdid, first, stored));
    }
    if (served < stored) this.truncated.push({ modid, cmdid, hosts: stored, served });
    const words = this.words;
    const mask = this.mask;
    let slot = slotOf(modid, cmdid, mask);
    while (words[HEADER_WORDS + slot * SLOT_WORDS + 3] !== EMPTY) slot = (slot + 1) & mask;
    const w = HEADER_WORDS + slot * SLOT_WORDS;
    words[w] = modid;
    words[w + 1] = cmdid;
    words[w + 2] = first;
    words[w + 3] = served;
    words[w + 4] = stored;
    this.routes++;
  }

  /** Appends `rows` (one route's, in order) and adds the route. */
  addRows(modid: number, cmdid: number, rows: readonly RouteRow[], from: number, to: number): void {
    let at = this.next;
    for (let i = from; i < to; i++, at++) {
      this.ips[at] = rows[i].ip;
      this.ports[at] = rows[i].port;
    }
    this.add(modid, cmdid, to - from);
  }

  finish(): RouteTableBuild {
    const words = this.words;
    words[0] = FORMAT;
    words[1] = this.routes;
    words[2] = this.mask;
    words[3] = this.next;
    words[4] = this.truncated.length;
    return { buffer: this.buffer, routes: this.routes, hosts: this.next, truncated: this.truncated };
  }

  private rowsAt(modid: number, cmdid: number, first: number, n: number): RouteRow[] {
    const rows: RouteRow[] = new Array(n);
    for (let k = 0; k < n; k++) rows[k] = { modid, cmdid, ip: this.ips[first + k], port: this.ports[first + k] };
    return rows;
  }
}

/** Builds a table from RouteData rows grouped by (modid, cmdid), as the loader's SELECT returns them. */
export function buildRouteTable(rows: readonly RouteRow[]): RouteTableBuild {
  const n = rows.length;
  let routes = 0;
  for (let i = 0; i < n; i++) if (i === 0 || !sameRoute(rows[i], rows[i - 1])) routes++;
  const builder = new TableBuilder(routes, n);
  let i = 0;
  while (i < n) {
    const first = i;
    while (i < n && sameRoute(rows[i], rows[first])) i++;
    builder.addRows(rows[first].modid, rows[first].cmdid, rows, first, i);
  }
  return builder.finish();
}

/** modid -> cmdids of `keys`: numeric lookups, no string per route. */
function keySet(keys: readonly RouteKey[]): Map<number, Set<number>> {
  const set = new Map<number, Set<number>>();
  for (const { modid, cmdid } of keys) {
    let cmds = set.get(modid);
    if (cmds === undefined) set.set(modid, (cmds = new Set()));
    cmds.add(cmdid);
  }
  return set;
}

/**
 * `base` with the routes of `patches` replaced by their rows (removed when
 * they have none): what an incremental load serves. The other routes are
 * copied as stored, hosts and truncation alike, without touching MySQL.
 * O(routes + hosts) typed-array copies; no object per host.
 */
export function patchRouteTable(base: RouteTable, patches: readonly RoutePatch[]): RouteTableBuild {
  const patched = keySet(patches);
  let routes = 0;
  let hosts = 0;
  base.forEachRoute((modid, cmdid, _first, stored) => {
    if (patched.get(modid)?.has(cmdid)) return;
    routes++;
    hosts += stored;
  });
  for (const p of patches) {
    if (p.rows.length === 0) continue;
    routes++;
    hosts += p.rows.length;
  }
  const builder = new TableBuilder(routes, hosts);
  base.forEachRoute((modid, cmdid, first, stored, served) => {
    if (patched.get(modid)?.has(cmdid)) return;
    base.copyHosts(first, stored, builder.ips, builder.ports, builder.at);
    builder.add(modid, cmdid, stored, served);
  });
  for (const p of patches) if (p.rows.length > 0) builder.addRows(p.modid, p.cmdid, p.rows, 0, p.rows.length);
  return builder.finish();
}

/**
 * The routes whose served hosts differ between `before` and `after` (in
 * either, hosts in order), each once: what a full reload pushes, so that a
 * subscriber ends up holding what `after` serves whatever it missed.
 */
export function changedRoutes(before: RouteTable, after: RouteTable): RouteKey[] {
  const changed: RouteKey[] = [];
  after.forEachRoute((modid, cmdid) => {
    if (!after.sameHosts(modid, cmdid, before)) changed.push({ modid, cmdid });
  });
  before.forEachRoute((modid, cmdid) => {
    if (!after.has(modid, cmdid)) changed.push({ modid, cmdid });
  });
  return changed;
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

  /** Whether the table holds the key (with any number of hosts). */
  has(modid: number, cmdid: number): boolean {
    return this.find(modid, cmdid) >= 0;
  }

  /** Calls `fn` for each route, in slot order: where its hosts start, how many are stored and served. */
  forEachRoute(fn: (modid: number, cmdid: number, first: number, stored: number, served: number) => void): void {
    const words = this.words;
    for (let w = HEADER_WORDS; w < words.length; w += SLOT_WORDS) {
      if (words[w + 3] !== EMPTY) fn(words[w], words[w + 1], words[w + 2], words[w + 4], words[w + 3]);
    }
  }

  /** Copies `n` stored hosts from `first` into another table's arrays at `at`. */
  copyHosts(first: number, n: number, ips: Uint32Array, ports: Int32Array, at: number): void {
    ips.set(this.ips.subarray(first, first + n), at);
    ports.set(this.ports.subarray(first, first + n), at);
  }

  /** Whether `other` serves the key the same hosts, in the same order (both lacking it counts as the same). */
  sameHosts(modid: number, cmdid: number, other: RouteTable): boolean {
    const a = this.find(modid, cmdid);
    const b = other.find(modid, cmdid);
    if (a < 0 || b < 0) return a < 0 && b < 0;
    const wa = HEADER_WORDS + a * SLOT_WORDS;
    const wb = HEADER_WORDS + b * SLOT_WORDS;
    const n = this.words[wa + 3];
    if (other.words[wb + 3] !== n) return false;
    const fa = this.words[wa + 2];
    const fb = other.words[wb + 2];
    for (let k = 0; k < n; k++) {
      if (this.ips[fa + k] !== other.ips[fb + k] || this.ports[fa + k] !== other.ports[fb + k]) return false;
    }
    return true;
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
