import { checkOption } from '@lars/wire';

/**
 * How many routes a RouteBook may create: reserve() before creating one,
 * release() when one is forgotten. The agent's three workers share one
 * (maxRoutes is agent-wide), so it must be exact across threads.
 */
export interface RouteBudget {
  /** True (one slot taken) unless the limit is reached. */
  reserve(): boolean;
  /** Gives back one slot taken by reserve(). */
  release(): void;
}

/** No limit: what a RouteBook uses when it is given no budget (unit tests, a lone core). */
export const UNLIMITED_ROUTES: RouteBudget = { reserve: () => true, release: () => {} };

/**
 * 50,000 routes per agent. An agent serves one machine's callers, which use
 * tens to a few thousand (modid, cmdid) in practice, so this leaves ample
 * room; a route costs about 1 KB with a few hosts (606,513 routes took
 * 556 MB), so the limit bounds a flood of random keys near 50 MB; and at the
 * default pull rate (5,000/s) and update_timeout (15 s) every route held is
 * still re-pulled within update_timeout (see pull-pacer.ts).
 */
export const DEFAULT_MAX_ROUTES = 50_000;

/** At most 2^31 - 1 routes: the count is one Int32 slot. */
const MAX_ROUTES_LIMIT = 0x7fffffff;

/** Throws LARS_BAD_OPTION naming `option` unless `max` is a valid maxRoutes. */
export function checkMaxRoutes(max: number, option = 'maxRoutes'): void {
  checkOption(Number.isInteger(max) && max >= 1 && max <= MAX_ROUTES_LIMIT, option, `must be 1..${MAX_ROUTES_LIMIT}`);
}

/**
 * A RouteBudget over one Int32 in a SharedArrayBuffer: the main thread
 * creates it and hands `buffer` to the workers, each attaches. reserve() is
 * a compare-and-swap loop, so the count never passes `max` however the
 * workers interleave, and a refusal means the limit really was reached.
 * Only the unknown-key path of get_host pays for it.
 */
export class SharedRouteBudget implements RouteBudget {
  readonly buffer: SharedArrayBuffer;
  readonly max: number;
  private readonly count: Int32Array;

  private constructor(buffer: SharedArrayBuffer, max: number) {
    checkMaxRoutes(max);
    checkOption(buffer.byteLength >= Int32Array.BYTES_PER_ELEMENT, 'routeBudget', 'buffer too small');
    this.buffer = buffer;
    this.max = max;
    this.count = new Int32Array(buffer, 0, 1);
  }

  static create(max: number): SharedRouteBudget {
    return new SharedRouteBudget(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT), max);
  }

  static attach(buffer: SharedArrayBuffer, max: number): SharedRouteBudget {
    return new SharedRouteBudget(buffer, max);
  }

  /** Slots taken now, over every thread attached. */
  get used(): number {
    return Atomics.load(this.count, 0);
  }

  reserve(): boolean {
    for (;;) {
      const used = Atomics.load(this.count, 0);
      if (used >= this.max) return false;
      if (Atomics.compareExchange(this.count, 0, used, used + 1) === used) return true;
    }
  }

  release(): void {
    Atomics.sub(this.count, 0, 1);
  }
}
