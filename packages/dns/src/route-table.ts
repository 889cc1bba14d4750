import { encodeBody, MessageId } from '@lars/proto';
import { MAX_BODY_BYTES } from '@lars/reactor';

/**
 * The DNS's served table: every route's GetRouteResponse body, encoded once
 * when the table is built, in one SharedArrayBuffer that the loader worker
 * fills and the serving thread adopts by reference (no per-key copy, and
 * readers always see either the old or the new table whole).
 *
 * Layout (Int32 words, then bytes):
 *   [0] FORMAT  [1] routes  [2] slot mask  [3] hosts  [4] body base (bytes)
 *   slots: (mask + 1) x [modid, cmdid, body offset, body length]; length -1 = empty
 *   bodies: the encoded GetRouteResponse of each route, back to back
 * Lookup is open addressing with linear probing; the load factor stays <= 0.5.
 * Immutable once built: postMessage publishes it, so plain reads are safe.
 */
const FORMAT = 0x4c52_5401;
const HEADER_WORDS = 5;
const SLOT_WORDS = 4;
const EMPTY = -1;

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

/**
 * Builds a table from RouteData rows `[modid, cmdid, serverip, serverport]`
 * sorted by (modid, cmdid), as the loader's SELECT returns them.
 */
export function buildRouteTable(rows: ReadonlyArray<readonly number[]>): RouteTableBuild {
  const keys: number[] = [];
  const bodies: Uint8Array[] = [];
  const truncated: TruncatedRoute[] = [];
  let bodyBytes = 0;
  let hosts = 0;
  let i = 0;
  while (i < rows.length) {
    const modid = rows[i][0];
    const cmdid = rows[i][1];
    const group: Array<{ ip: number; port: number }> = [];
    for (; i < rows.length && rows[i][0] === modid && rows[i][1] === cmdid; i++) {
      group.push({ ip: rows[i][2], port: rows[i][3] });
    }
    const body = encodeFitting(modid, cmdid, group, truncated);
    keys.push(modid, cmdid);
    bodies.push(body);
    bodyBytes += body.length;
    hosts += group.length;
  }
  const routes = bodies.length;
  let slots = 2;
  while (slots < routes * 2) slots *= 2;
  const base = (HEADER_WORDS + slots * SLOT_WORDS) * 4;
  const buffer = new SharedArrayBuffer(base + bodyBytes);
  const words = new Int32Array(buffer, 0, HEADER_WORDS + slots * SLOT_WORDS);
  const bytes = new Uint8Array(buffer);
  const mask = slots - 1;
  words.fill(EMPTY, HEADER_WORDS);
  words[0] = FORMAT;
  words[1] = routes;
  words[2] = mask;
  words[3] = hosts;
  words[4] = base;
  let offset = base;
  for (let r = 0; r < routes; r++) {
    const modid = keys[2 * r];
    const cmdid = keys[2 * r + 1];
    let slot = slotOf(modid, cmdid, mask);
    while (words[HEADER_WORDS + slot * SLOT_WORDS + 3] !== EMPTY) slot = (slot + 1) & mask;
    const at = HEADER_WORDS + slot * SLOT_WORDS;
    words[at] = modid;
    words[at + 1] = cmdid;
    words[at + 2] = offset;
    words[at + 3] = bodies[r].length;
    bytes.set(bodies[r], offset);
    offset += bodies[r].length;
  }
  return { buffer, routes, hosts, truncated };
}

/** The route's body, cut to the hosts that fit one frame (recorded in `truncated`). */
function encodeFitting(
  modid: number,
  cmdid: number,
  hosts: Array<{ ip: number; port: number }>,
  truncated: TruncatedRoute[],
): Uint8Array {
  let body = encodeBody(MessageId.GetRouteResponse, { modid, cmdid, host: hosts });
  if (body.length <= MAX_BODY_BYTES) return body;
  // Rare (an operator error): shrink proportionally, then one host at a time.
  let served = Math.floor((hosts.length * MAX_BODY_BYTES) / body.length);
  for (;;) {
    body = encodeBody(MessageId.GetRouteResponse, { modid, cmdid, host: hosts.slice(0, served) });
    if (body.length <= MAX_BODY_BYTES) break;
    served--;
  }
  truncated.push({ modid, cmdid, hosts: hosts.length, served });
  return body;
}

/** Read side of a table built by buildRouteTable, on any thread that holds the buffer. */
export class RouteTable {
  readonly buffer: SharedArrayBuffer;
  private readonly words: Int32Array;
  private readonly bytes: Uint8Array;
  private readonly mask: number;

  constructor(buffer: SharedArrayBuffer) {
    const header = new Int32Array(buffer, 0, HEADER_WORDS);
    if (header[0] !== FORMAT) throw new TypeError('not a route table buffer');
    this.buffer = buffer;
    this.mask = header[2];
    this.words = new Int32Array(buffer, 0, HEADER_WORDS + (this.mask + 1) * SLOT_WORDS);
    this.bytes = new Uint8Array(buffer);
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

  /** The encoded GetRouteResponse body of the route (a view, not a copy), or undefined when unknown. */
  lookup(modid: number, cmdid: number): Uint8Array | undefined {
    const words = this.words;
    const mask = this.mask;
    let slot = slotOf(modid, cmdid, mask);
    for (;;) {
      const at = HEADER_WORDS + slot * SLOT_WORDS;
      const length = words[at + 3];
      if (length === EMPTY) return undefined;
      if (words[at] === modid && words[at + 1] === cmdid) return this.bytes.subarray(words[at + 2], words[at + 2] + length);
      slot = (slot + 1) & mask;
    }
  }
}
