import { checkOption } from '@lars/wire';
import { loadUdpNative } from './native-binding.js';
import type { GetHostTableLayout } from './native-binding.js';

export interface GetHostTableOptions {
  /** Slots (a power of two); a key is refused once three quarters are taken. */
  slots?: number;
}

const DEFAULTS = { slots: 1024 } as const;

/** Of every four slots, at most three hold a key (or a removed one): probes stay short. */
const MAX_FILL_NUMERATOR = 3;
const MAX_FILL_DENOMINATOR = 4;

/** The slot a key is probed from first: the same function as get_host_table_home in get_host_table.c. */
export function getHostTableHome(modid: number, cmdid: number, slots: number): number {
  let h = (Math.imul(modid, 0x9e3779b1) ^ Math.imul(cmdid, 0x85ebca6b)) >>> 0;
  h = (h ^ (h >>> 16)) >>> 0;
  return h & (slots - 1);
}

/**
 * The routes a threaded-mode socket's serving thread may answer get_host
 * for without JavaScript (src/native/get_host_table.h has the layout and its
 * invariants). The owner of the load balancing (the agent's RouteBook)
 * opens a slot per route and, holding the slot's lock, reads back what the
 * thread did (cursor, lastAccess) and writes the route's idle hosts with
 * serve(), or hold() when the thread must leave the route to it.
 *
 * Every method but open(), answered() and the lock itself must be called
 * with the slot locked; the lock is held by the thread for one pick, so
 * lock() spins rather than waits.
 */
export class GetHostTable {
  readonly words: Int32Array;
  readonly slots: number;
  readonly maxHosts: number;
  private readonly f64: Float64Array;
  private readonly L: Readonly<GetHostTableLayout>;
  /** Slots not EMPTY (held, serving or removed). */
  private taken = 0;
  private answeredSeen = 0;

  /** Throws NATIVE_UNAVAILABLE when the addon does not load (its layout is the addon's). */
  constructor(options: GetHostTableOptions = {}) {
    const slots = options.slots ?? DEFAULTS.slots;
    checkOption(
      Number.isInteger(slots) && slots >= 4 && (slots & (slots - 1)) === 0,
      'slots',
      'must be a power of two >= 4',
    );
    const L = loadUdpNative().TABLE;
    this.L = L;
    this.slots = slots;
    this.maxHosts = L.MAX_HOSTS;
    const buffer = new SharedArrayBuffer((L.HEADER_WORDS + slots * L.SLOT_WORDS) * 4);
    this.words = new Int32Array(buffer);
    this.f64 = new Float64Array(buffer);
    this.words[L.H_MAGIC] = L.MAGIC;
    this.words[L.H_SLOTS] = slots;
    this.words[L.H_MAX_HOSTS] = L.MAX_HOSTS;
  }

  /**
   * The slot of (modid, cmdid), taken for it (held: not answered by the
   * thread) when it has none; -1 when the table is too full to take it.
   */
  open(modid: number, cmdid: number): number {
    const { words, slots, L } = this;
    let at = getHostTableHome(modid, cmdid, slots);
    let reuse = -1;
    for (let probes = 0; probes < slots; probes++, at = (at + 1) & (slots - 1)) {
      const base = this.base(at);
      const state = Atomics.load(words, base + L.S_STATE);
      if (state === L.SLOT_EMPTY) break;
      if (state === L.SLOT_DEAD) {
        if (reuse < 0) reuse = at;
      } else if (words[base + L.S_MODID] === modid && words[base + L.S_CMDID] === cmdid) {
        return at;
      }
    }
    if (reuse < 0) {
      if ((this.taken + 1) * MAX_FILL_DENOMINATOR > slots * MAX_FILL_NUMERATOR) return -1;
      reuse = at;
      this.taken++;
    }
    this.lock(reuse);
    const base = this.base(reuse);
    words[base + L.S_MODID] = modid;
    words[base + L.S_CMDID] = cmdid;
    words[base + L.S_COUNT] = 0;
    words[base + L.S_CURSOR] = 0;
    Atomics.store(words, base + L.S_STATE, L.SLOT_HELD);
    this.unlock(reuse);
    return reuse;
  }

  lock(slot: number): void {
    const at = this.base(slot) + this.L.S_LOCK;
    while (Atomics.compareExchange(this.words, at, 0, 1) !== 0) {
      // The serving thread holds it for one pick: spin.
    }
  }

  unlock(slot: number): void {
    Atomics.store(this.words, this.base(slot) + this.L.S_LOCK, 0);
  }

  /** Whether the thread may answer from the slot (it was last written by serve()). */
  serving(slot: number): boolean {
    return this.words[this.base(slot) + this.L.S_STATE] === this.L.SLOT_SERVE;
  }

  /** Picks the thread made since serve(), mod the host count: how far the idle queue has rotated. */
  cursor(slot: number): number {
    return this.words[this.base(slot) + this.L.S_CURSOR];
  }

  /** When the thread last answered from the slot (ms), or what serve() wrote. */
  lastAccess(slot: number): number {
    return this.f64[(this.base(slot) + this.L.S_ACCESS) / 2];
  }

  /** Host i of the idle queue (head = 0), for the next serve(). */
  setHost(slot: number, i: number, ip: number, port: number): void {
    const at = this.base(slot) + this.L.S_HOSTS + 2 * i;
    this.words[at] = ip;
    this.words[at + 1] = port;
  }

  /**
   * Lets the thread answer from hosts 0..count-1 (setHost) in turn, from
   * host 0, while the clock is at most `deadlineMs`.
   */
  serve(slot: number, count: number, deadlineMs: number, lastAccessMs: number): void {
    const { words, L } = this;
    const base = this.base(slot);
    checkOption(Number.isInteger(count) && count >= 1 && count <= this.maxHosts, 'count', `not in 1..${this.maxHosts}`);
    words[base + L.S_COUNT] = count;
    words[base + L.S_CURSOR] = 0;
    this.f64[(base + L.S_DEADLINE) / 2] = deadlineMs;
    this.f64[(base + L.S_ACCESS) / 2] = lastAccessMs;
    Atomics.store(words, base + L.S_STATE, L.SLOT_SERVE);
  }

  /** Leaves the route's get_hosts to JavaScript. */
  hold(slot: number): void {
    Atomics.store(this.words, this.base(slot) + this.L.S_STATE, this.L.SLOT_HELD);
  }

  /** Gives the slot up (the route is forgotten); it stays locked until unlock(). */
  remove(slot: number): void {
    Atomics.store(this.words, this.base(slot) + this.L.S_STATE, this.L.SLOT_DEAD);
  }

  /** get_hosts the thread answered since the last call. */
  answered(): number {
    const now = Atomics.load(this.words, this.L.H_ANSWERED) >>> 0;
    const delta = (now - this.answeredSeen) >>> 0;
    this.answeredSeen = now;
    return delta;
  }

  private base(slot: number): number {
    return this.L.HEADER_WORDS + slot * this.L.SLOT_WORDS;
  }
}
