/**
 * Counters that worker threads update and the main thread reads (for a
 * daemon's /stats) without messages: one row of named 64-bit slots per
 * thread in a SharedArrayBuffer. Each row has one writing thread, so
 * Atomics.add/store never contend; readers use Atomics.load.
 */
export class SharedCounters<Name extends string> {
  readonly buffer: SharedArrayBuffer;
  readonly rows: number;
  private readonly view: BigInt64Array;
  private readonly index: Record<Name, number>;
  private readonly names: readonly Name[];

  private constructor(buffer: SharedArrayBuffer, names: readonly Name[]) {
    this.buffer = buffer;
    this.names = names;
    this.view = new BigInt64Array(buffer);
    this.rows = this.view.length / names.length;
    this.index = Object.fromEntries(names.map((n, i) => [n, i])) as Record<Name, number>;
  }

  /** `rows` rows of `names`, every slot `initial`. */
  static create<Name extends string>(rows: number, names: readonly Name[], initial = 0): SharedCounters<Name> {
    const c = new SharedCounters(new SharedArrayBuffer(rows * names.length * 8), names);
    c.view.fill(BigInt(initial));
    return c;
  }

  /** The same counters on another thread (pass `buffer` and the same `names`). */
  static attach<Name extends string>(buffer: SharedArrayBuffer, names: readonly Name[]): SharedCounters<Name> {
    return new SharedCounters(buffer, names);
  }

  add(row: number, name: Name, n: number): void {
    Atomics.add(this.view, row * this.names.length + this.index[name], BigInt(n));
  }

  set(row: number, name: Name, n: number): void {
    Atomics.store(this.view, row * this.names.length + this.index[name], BigInt(n));
  }

  get(row: number, name: Name): number {
    return Number(Atomics.load(this.view, row * this.names.length + this.index[name]));
  }

  /** Sum of `name` over every row. */
  total(name: Name): number {
    let n = 0;
    for (let r = 0; r < this.rows; r++) n += this.get(r, name);
    return n;
  }

  /** `{ '0': v0, '1': v1, ... }`: one value per row, as /stats shows per-thread counters. */
  perRow(name: Name): Record<string, number> {
    const out: Record<string, number> = {};
    for (let r = 0; r < this.rows; r++) out[String(r)] = this.get(r, name);
    return out;
  }
}
