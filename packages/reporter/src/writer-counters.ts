/**
 * Counters each writer thread keeps in one SharedArrayBuffer that the network
 * thread reads for /stats: writer i owns slots [i * SLOTS, (i + 1) * SLOTS).
 * Each slot has one writer thread, so Atomics.add/store never contend.
 */
export const WriterCounter = {
  ROWS_WRITTEN: 0,
  BATCHES: 1,
  BATCH_FAILURES: 2,
  /** 1 when the writer's last MySQL attempt succeeded, 0 after a failure, -1 before any. */
  MYSQL_UP: 3,
} as const;
const SLOTS = 4;

export function createWriterCounters(writers: number): SharedArrayBuffer {
  const sab = new SharedArrayBuffer(writers * SLOTS * 8);
  const view = new BigInt64Array(sab);
  for (let i = 0; i < writers; i++) view[i * SLOTS + WriterCounter.MYSQL_UP] = -1n;
  return sab;
}

export class WriterCounters {
  private readonly view: BigInt64Array;

  constructor(sab: SharedArrayBuffer, private readonly writer: number) {
    this.view = new BigInt64Array(sab);
  }

  add(counter: number, n: number): void {
    Atomics.add(this.view, this.writer * SLOTS + counter, BigInt(n));
  }

  set(counter: number, n: number): void {
    Atomics.store(this.view, this.writer * SLOTS + counter, BigInt(n));
  }

  get(counter: number): number {
    return Number(Atomics.load(this.view, this.writer * SLOTS + counter));
  }
}
