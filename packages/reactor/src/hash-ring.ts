import { createRequire } from 'node:module';
import { checkOption } from '@lars/wire';

/** The part of murmurhash3js-revisited used here (the package ships no types). */
interface Murmur3 {
  x86: { hash32(bytes: Uint8Array, seed?: number): number };
}
const murmur3 = createRequire(import.meta.url)('murmurhash3js-revisited') as Murmur3;

const utf8 = new TextEncoder();

/** MurmurHash3 x86 32-bit of a UTF-8 string, unsigned. */
export function hashString(key: string, seed = 0): number {
  return murmur3.x86.hash32(utf8.encode(key), seed) >>> 0;
}

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

function mixBlock(h: number, k: number): number {
  k = Math.imul(k, C1);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, C2);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/**
 * MurmurHash3 x86 32-bit of the 8 bytes `lo` (uint32 LE) then `hi` (uint32 LE),
 * unsigned: the same value murmurhash3js-revisited gives for those bytes, with
 * no allocation (it runs per packet).
 */
export function hashWords(lo: number, hi: number, seed = 0): number {
  let h = mixBlock(mixBlock(seed | 0, lo | 0), hi | 0);
  h ^= 8;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The key a route (modid, cmdid) is placed by, shared by the reporter (which
 * DB worker) and the agent (which reporter): `ring.get(routeKey(modid, cmdid))`.
 */
export function routeKey(modid: number, cmdid: number): number {
  return hashWords(modid >>> 0, cmdid >>> 0);
}

export interface HashRingOptions<T> {
  /** Points per node on the ring (default 160). More points, smoother spread. */
  virtualNodes?: number;
  /**
   * The string hashed for the `replica`-th point of `node`. The default,
   * `${String(node)}#${replica}`, suits strings and numbers; object nodes
   * need their own (e.g. `${host}:${port}#${replica}`).
   */
  nodeKey?: (node: T, replica: number) => string;
}

const DEFAULTS = {
  virtualNodes: 160,
} as const;

function defaultNodeKey(node: unknown, replica: number): string {
  return `${String(node)}#${replica}`;
}

interface RingNode<T> {
  readonly node: T;
  /** nodeKey(node, 0): breaks ties between equal points, so order of insertion never matters. */
  readonly baseKey: string;
  readonly points: Uint32Array;
}

/**
 * Consistent-hash ring (MurmurHash3 x86 32-bit, virtual nodes). Placement
 * depends only on the set of nodes, not on the order they were given, so two
 * processes with the same nodes agree. Lookup is a binary search over the
 * sorted points; add/remove rebuild the ring (they are rare).
 */
export class HashRing<T> {
  readonly virtualNodes: number;
  private readonly nodeKey: (node: T, replica: number) => string;
  private readonly customKey: boolean;
  private readonly members: RingNode<T>[] = [];
  private points = new Uint32Array(0);
  private owners: T[] = [];

  constructor(nodes: readonly T[] = [], options: HashRingOptions<T> = {}) {
    this.virtualNodes = options.virtualNodes ?? DEFAULTS.virtualNodes;
    checkOption(
      Number.isInteger(this.virtualNodes) && this.virtualNodes >= 1 && this.virtualNodes <= 65536,
      'virtualNodes',
      'must be an integer from 1 to 65536',
    );
    this.customKey = options.nodeKey !== undefined;
    this.nodeKey = options.nodeKey ?? defaultNodeKey;
    for (const node of nodes) this.addMember(node);
    this.rebuild();
  }

  get size(): number {
    return this.members.length;
  }

  nodes(): T[] {
    return this.members.map((m) => m.node);
  }

  /**
   * The node owning `key`, or undefined when the ring is empty. Strings are
   * hashed as UTF-8; numbers must be safe integers and are hashed as 8 bytes
   * (no allocation: prefer them on hot paths, e.g. `routeKey`).
   */
  get(key: string | number): T | undefined {
    return this.getByHash(typeof key === 'string' ? hashString(key) : this.hashNumber(key));
  }

  /** The node owning the first point at or after the 32-bit `hash` (wrapping). */
  getByHash(hash: number): T | undefined {
    const points = this.points;
    const n = points.length;
    if (n === 0) return undefined;
    const h = hash >>> 0;
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (points[mid] < h) lo = mid + 1;
      else hi = mid;
    }
    return this.owners[lo === n ? 0 : lo];
  }

  /** Adds `node` (compared with ===); false when it is already on the ring. */
  add(node: T): boolean {
    if (this.indexOf(node) >= 0) return false;
    this.addMember(node);
    this.rebuild();
    return true;
  }

  /** Removes `node` (compared with ===); false when it was not on the ring. */
  remove(node: T): boolean {
    const i = this.indexOf(node);
    if (i < 0) return false;
    this.members.splice(i, 1);
    this.rebuild();
    return true;
  }

  private hashNumber(key: number): number {
    checkOption(Number.isSafeInteger(key), 'key', 'a number key must be a safe integer');
    return hashWords(key >>> 0, Math.floor(key / 2 ** 32) >>> 0);
  }

  private indexOf(node: T): number {
    return this.members.findIndex((m) => m.node === node);
  }

  private addMember(node: T): void {
    checkOption(
      this.customKey || node === null || (typeof node !== 'object' && typeof node !== 'function'),
      'nodeKey',
      'is required for object nodes (String(node) would collide)',
    );
    checkOption(this.indexOf(node) < 0, 'nodes', 'must not repeat a node');
    const points = new Uint32Array(this.virtualNodes);
    for (let r = 0; r < points.length; r++) points[r] = hashString(this.nodeKey(node, r));
    this.members.push({ node, baseKey: this.nodeKey(node, 0), points });
  }

  private rebuild(): void {
    const v = this.virtualNodes;
    const total = this.members.length * v;
    const order = Array.from({ length: total }, (_, i) => i);
    const pointOf = (i: number): number => this.members[Math.floor(i / v)].points[i % v];
    order.sort((a, b) => {
      const d = pointOf(a) - pointOf(b);
      if (d !== 0) return d;
      const ka = this.members[Math.floor(a / v)].baseKey;
      const kb = this.members[Math.floor(b / v)].baseKey;
      if (ka !== kb) return ka < kb ? -1 : 1;
      return (a % v) - (b % v);
    });
    const points = new Uint32Array(total);
    const owners = new Array<T>(total);
    for (let i = 0; i < total; i++) {
      points[i] = pointOf(order[i]);
      owners[i] = this.members[Math.floor(order[i] / v)].node;
    }
    this.points = points;
    this.owners = owners;
  }
}
