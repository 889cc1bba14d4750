// Seeded randomness for the fuzz tests: the seed (LARS_FUZZ_SEED reproduces a
// run) and a small PRNG that gives the same sequence on every machine.

/** The seed when LARS_FUZZ_SEED is not set. */
export const DEFAULT_FUZZ_SEED = 0x1a75_0b11;

/** The seed of this run: LARS_FUZZ_SEED (decimal or 0x hex, a uint32) to reproduce one, else the default. */
export function fuzzSeed(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.LARS_FUZZ_SEED;
  if (raw === undefined || raw === '') return DEFAULT_FUZZ_SEED;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 0xffff_ffff) {
    throw new Error(`LARS_FUZZ_SEED = ${JSON.stringify(raw)}: must be an integer 0..4294967295 (or 0x hex)`);
  }
  return n;
}

/** mulberry32: small, fast, and the same sequence on every machine for one seed. */
export class FuzzRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A uint32. */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** An integer in 0..n-1. */
  below(n: number): number {
    return Math.floor((this.next() / 0x1_0000_0000) * n);
  }

  /** An integer in lo..hi. */
  between(lo: number, hi: number): number {
    return lo + this.below(hi - lo + 1);
  }

  chance(p: number): boolean {
    return this.next() / 0x1_0000_0000 < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)];
  }

  bytes(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) out[i] = this.next() & 0xff;
    return out;
  }

  /** An int32 biased to the values codecs get wrong: 0, +-1, extremes, small and random. */
  int32(): number {
    const r = this.below(8);
    if (r === 0) return this.pick([0, 1, -1, 0x7fff_ffff, -0x8000_0000, 127, 128, -128]);
    if (r <= 3) return this.between(-1000, 1000);
    return this.next() | 0;
  }

  /** A uint32 with the same bias. */
  uint32(): number {
    return this.int32() >>> 0;
  }
}
