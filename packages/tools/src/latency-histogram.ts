// Fixed-memory latency histogram for qps: a run of hours records millions of
// samples, so counts go into buckets instead of an array of every sample.
// Buckets are 1 µs wide below 10 ms (loopback get_host answers in tens of
// µs), 100 µs wide from 10 ms to 1 s, and one last bucket holds everything
// slower. Percentiles are read back at bucket resolution.
import { checkOption } from '@lars/wire';

const FINE_US = 1;
const FINE_BUCKETS = 10_000;
const COARSE_US = 100;
const COARSE_BUCKETS = 9_900;
const FINE_END_US = FINE_US * FINE_BUCKETS;
const COARSE_END_US = FINE_END_US + COARSE_US * COARSE_BUCKETS;
/** Fine, coarse, then one overflow bucket. */
export const HISTOGRAM_BUCKETS = FINE_BUCKETS + COARSE_BUCKETS + 1;

export class LatencyHistogram {
  /** One count per bucket; transferable to another thread as is. */
  readonly counts: Float64Array<ArrayBuffer>;
  private total = 0;

  constructor(counts: Float64Array<ArrayBuffer> = new Float64Array(HISTOGRAM_BUCKETS)) {
    checkOption(
      counts.length === HISTOGRAM_BUCKETS,
      'counts',
      `must have ${HISTOGRAM_BUCKETS} buckets, got ${counts.length}`,
    );
    this.counts = counts;
    for (let i = 0; i < counts.length; i++) this.total += counts[i];
  }

  get count(): number {
    return this.total;
  }

  record(ms: number): void {
    const us = ms * 1000;
    let bucket: number;
    if (!(us >= 0)) bucket = 0;
    else if (us < FINE_END_US) bucket = Math.floor(us / FINE_US);
    else if (us < COARSE_END_US) bucket = FINE_BUCKETS + Math.floor((us - FINE_END_US) / COARSE_US);
    else bucket = HISTOGRAM_BUCKETS - 1;
    this.counts[bucket]++;
    this.total++;
  }

  /** Adds another histogram's counts to this one. */
  /** Forgets every sample (e.g. the warm-up's). */
  clear(): void {
    this.counts.fill(0);
  }

  merge(other: LatencyHistogram): void {
    for (let i = 0; i < HISTOGRAM_BUCKETS; i++) this.counts[i] += other.counts[i];
    this.total += other.total;
  }

  /**
   * The latency (ms) below which fraction `p` (0..1) of the samples fall: the
   * middle of the bucket holding that sample; the overflow bucket reads as its
   * lower edge. 0 when there are no samples.
   */
  percentile(p: number): number {
    if (this.total === 0) return 0;
    const rank = Math.max(1, Math.ceil(Math.min(1, Math.max(0, p)) * this.total));
    let seen = 0;
    for (let i = 0; i < HISTOGRAM_BUCKETS; i++) {
      seen += this.counts[i];
      if (seen >= rank) return bucketMiddleUs(i) / 1000;
    }
    return COARSE_END_US / 1000;
  }
}

function bucketMiddleUs(bucket: number): number {
  if (bucket < FINE_BUCKETS) return (bucket + 0.5) * FINE_US;
  if (bucket < FINE_BUCKETS + COARSE_BUCKETS) return FINE_END_US + (bucket - FINE_BUCKETS + 0.5) * COARSE_US;
  return COARSE_END_US;
}
