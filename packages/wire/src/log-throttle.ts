/**
 * Rate limit for warnings a peer can trigger at will (bad frames, unknown
 * msgids): at most one line per key per interval, so a flood cannot flood
 * the log. Keys are a handful of fixed reason strings, so the map stays small.
 */
export class LogThrottle {
  private readonly intervalMs: number;
  private readonly now: () => number;
  /** key -> [time of the last line, events suppressed since]. */
  private readonly state = new Map<string, { last: number; suppressed: number }>();

  constructor(intervalMs: number, now: () => number = Date.now) {
    this.intervalMs = intervalMs;
    this.now = now;
  }

  /**
   * Records one event for `key`. Returns -1 when it must not be logged, else
   * how many events were suppressed since the last logged one (to put in the line).
   */
  take(key: string): number {
    const t = this.now();
    const entry = this.state.get(key);
    if (entry === undefined) {
      this.state.set(key, { last: t, suppressed: 0 });
      return 0;
    }
    if (t - entry.last < this.intervalMs) {
      entry.suppressed++;
      return -1;
    }
    const suppressed = entry.suppressed;
    entry.last = t;
    entry.suppressed = 0;
    return suppressed;
  }
}
