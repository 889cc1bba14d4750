import type { Logger } from '@lars/reactor';
import { type Alert, alertKey } from './alert-rules.js';

export const AlertEvent = { RAISED: 'raised', CLEARED: 'cleared' } as const;
export type AlertEvent = (typeof AlertEvent)[keyof typeof AlertEvent];

export type AlertListener = (event: AlertEvent, alert: Alert) => void;

/** The timer the monitor runs on (tests pass one they fire by hand). */
export interface MonitorTimer {
  setInterval(fn: () => void, ms: number): { unref(): unknown };
  clearInterval(handle: { unref(): unknown }): void;
}

export interface AlertMonitorOptions {
  /** `[web] alert_interval`. */
  intervalMs?: number;
  timer?: MonitorTimer;
  logger?: Logger;
}

const DEFAULTS = { intervalMs: 15_000, timer: globalThis as unknown as MonitorTimer } as const;

/**
 * Evaluates the alerts every `intervalMs` and keeps the current set. An
 * alert's `since` is the earlier of what the rollup says now and what this
 * monitor saw first, so it does not move forward as the window slides past
 * the start of a long run (a console restart loses the latter: then since is
 * at most the window's length back). An alert that appears is `raised`, one
 * that goes is `cleared`; a failed evaluation is logged and changes nothing.
 */
export class AlertMonitor {
  private readonly o: typeof DEFAULTS & { intervalMs: number; timer: MonitorTimer };
  private readonly active = new Map<string, Alert>();
  private readonly listeners: AlertListener[] = [];
  private handle: { unref(): unknown } | null = null;
  private running: Promise<void> | null = null;
  private evaluated = false;

  constructor(
    private readonly evaluate: () => Promise<Alert[]>,
    options: AlertMonitorOptions = {},
    private readonly logger?: Logger,
  ) {
    this.o = { ...DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) };
  }

  on(listener: AlertListener): void {
    this.listeners.push(listener);
  }

  /** The current alerts; null before the first evaluation finished. */
  current(): Alert[] | null {
    return this.evaluated ? [...this.active.values()] : null;
  }

  start(): void {
    if (this.handle !== null) return;
    void this.tick();
    this.handle = this.o.timer.setInterval(() => void this.tick(), this.o.intervalMs);
    this.handle.unref();
  }

  /** One evaluation (a tick while one runs waits for it rather than overlapping). */
  tick(): Promise<void> {
    this.running ??= this.run().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async run(): Promise<void> {
    let alerts: Alert[];
    try {
      alerts = await this.evaluate();
    } catch (err) {
      this.logger?.warn({ err }, 'alerts not evaluated');
      return;
    }
    const seen = new Set<string>();
    for (const a of alerts) {
      const key = alertKey(a);
      seen.add(key);
      const before = this.active.get(key);
      const kept = before === undefined ? a : { ...a, since: Math.min(before.since, a.since) };
      this.active.set(key, kept);
      if (before === undefined) this.emit(AlertEvent.RAISED, kept);
    }
    for (const [key, a] of this.active) {
      if (seen.has(key)) continue;
      this.active.delete(key);
      this.emit(AlertEvent.CLEARED, a);
    }
    this.evaluated = true;
  }

  private emit(event: AlertEvent, alert: Alert): void {
    for (const l of this.listeners) l(event, alert);
  }

  async close(): Promise<void> {
    if (this.handle !== null) this.o.timer.clearInterval(this.handle);
    this.handle = null;
    await this.running;
  }
}
