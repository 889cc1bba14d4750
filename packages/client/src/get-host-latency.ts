import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';
import type { RetCode } from '@lars/proto';
import type { WireLogger } from '@lars/wire';

/**
 * How long the client's get_host calls took, from the call to the settled
 * promise, in seconds (every outcome: SUCC, OVERLOAD, NOEXIST and
 * SYSTEM_ERROR alike). Percentiles are exact to two significant figures.
 * All 0 before the first call.
 */
export interface GetHostLatencyStats {
  /** Completed getHost calls (and those of call()). */
  count: number;
  /** Their total time, seconds (sum / count is the mean). */
  sum: number;
  p50: number;
  p90: number;
  p99: number;
  /** The slowest, seconds. */
  max: number;
}

/**
 * Called once per completed getHost (and call()'s pick): its time in seconds
 * and its outcome; e.g. to feed an application's own metrics registry.
 */
export type GetHostHook = (seconds: number, ret: RetCode) => void;

/**
 * Samples are recorded in integer microseconds, 1 µs .. 1 h (a slower call
 * counts as 1 h): loopback answers take tens of µs. Two significant figures
 * keep the histogram at about 26 KiB per client.
 */
const RANGE = { lowestUs: 1, highestUs: 3600e6, figures: 2 } as const;
const US_PER_SECOND = 1e6;
const MS_PER_SECOND = 1e3;

/**
 * The get_host latency distribution of one client. Recording does not
 * allocate: one native histogram (perf_hooks, fixed memory) and a running sum.
 */
export class GetHostLatency {
  private readonly histogram: RecordableHistogram = createHistogram({
    lowest: RANGE.lowestUs,
    highest: RANGE.highestUs,
    figures: RANGE.figures,
  });
  private sumSeconds = 0;

  /** `now`: the clock `startedAt` is read on, ms (tests inject one). */
  constructor(
    private readonly hook: GetHostHook | undefined,
    private readonly logger: WireLogger,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /**
   * One completed get_host, started at `startedAt` (on `now`, ms).
   * A hook that throws is logged; it never changes the call's result.
   */
  readonly record = (startedAt: number, ret: RetCode): void => {
    const seconds = Math.max(0, this.now() - startedAt) / MS_PER_SECOND;
    const us = Math.round(seconds * US_PER_SECOND);
    this.histogram.record(Math.min(Math.max(us, RANGE.lowestUs), RANGE.highestUs));
    this.sumSeconds += seconds;
    if (this.hook === undefined) return;
    try {
      this.hook(seconds, ret);
    } catch (err) {
      this.logger.warn({ err }, 'the onGetHost hook threw; the call is unaffected');
    }
  };

  snapshot(): GetHostLatencyStats {
    const h = this.histogram;
    if (h.count === 0) return { count: 0, sum: 0, p50: 0, p90: 0, p99: 0, max: 0 };
    return {
      count: h.count,
      sum: this.sumSeconds,
      p50: h.percentile(50) / US_PER_SECOND,
      p90: h.percentile(90) / US_PER_SECOND,
      p99: h.percentile(99) / US_PER_SECOND,
      max: h.max / US_PER_SECOND,
    };
  }
}
