// The sweep of old rows, run by one writer per reporter (writer 0, on its
// own connection between its batches): every intervalMs, rollup buckets past
// their retention, ServerCallStatus rows not reported for statusMaxAgeS, and
// those of hosts no route holds any more, each in DELETEs of at most
// batchRows rows, pauseMs apart, so no statement holds many row locks or
// stalls the writers. Several reporter instances sweeping at once only
// delete the same rows sooner.
import type { Logger, SharedCounters } from '@lars/reactor';
import { pruneOnce, PruneTarget, throttledMysqlError } from '@lars/store';
import { LogThrottle } from '@lars/wire';
import { pause, type WriterLink } from './writer-link.js';
import type { PruneSettings, WRITER_COUNTERS } from './writer-protocol.js';

export interface PruneSweeperParts {
  index: number;
  link: WriterLink;
  counters: SharedCounters<(typeof WRITER_COUNTERS)[number]>;
  settings: PruneSettings;
  /** The writer's close deadline: a statement in flight is given up (close() itself waits for it). */
  abandon: AbortSignal;
  warnIntervalMs: number;
  logger: Logger;
}

export class PruneSweeper {
  private readonly stop = new AbortController();
  private readonly throttle: LogThrottle;
  private running: Promise<void> | null = null;

  constructor(private readonly parts: PruneSweeperParts) {
    this.throttle = new LogThrottle(parts.warnIntervalMs);
  }

  start(): this {
    this.running ??= this.loop();
    return this;
  }

  /** Stops after the statement in flight. */
  async close(): Promise<void> {
    this.stop.abort();
    await this.running;
  }

  private async loop(): Promise<void> {
    const { intervalMs } = this.parts.settings;
    while (!this.stop.signal.aborted) {
      await pause(intervalMs, this.stop.signal);
      if (this.stop.signal.aborted) return;
      await this.pass(Math.floor(Date.now() / 1000));
    }
  }

  /** One pass over every target, with `nowS` the reporter's unix seconds. */
  private async pass(nowS: number): Promise<void> {
    const { settings, counters, index } = this.parts;
    const targets: [PruneTarget, number, 'rollupRowsPruned' | 'statusRowsPruned'][] = [
      [PruneTarget.STALE_STATUS, nowS - settings.statusMaxAgeS, 'statusRowsPruned'],
      [PruneTarget.ORPHAN_STATUS, nowS - settings.orphanGraceS, 'statusRowsPruned'],
    ];
    if (settings.rollupRetentionS !== null)
      targets.unshift([PruneTarget.ROLLUP, nowS - settings.rollupRetentionS, 'rollupRowsPruned']);
    for (const [target, cutoff, counter] of targets) {
      for (;;) {
        if (this.stop.signal.aborted) return;
        let deleted: number;
        try {
          deleted = await this.parts.link.run(
            (c) => pruneOnce(c, target, Math.max(0, cutoff), settings.batchRows),
            this.parts.abandon,
          );
        } catch (err) {
          if (this.parts.abandon.aborted) return;
          // Left for the next pass: old rows wait a little longer, nothing is lost.
          counters.add(index, 'pruneFailures', 1);
          const fields = throttledMysqlError(err, this.throttle);
          if (fields !== null)
            this.parts.logger.warn({ ...fields, target }, 'sweep of old rows failed; next pass retries');
          break;
        }
        counters.add(index, counter, deleted);
        if (deleted < settings.batchRows) break;
        await pause(settings.pauseMs, this.stop.signal);
      }
    }
    counters.add(index, 'prunePasses', 1);
  }
}
