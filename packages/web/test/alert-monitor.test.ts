import { describe, expect, it } from 'vitest';
import { AlertMonitor, type MonitorTimer } from '../src/alert-monitor.js';
import type { Alert } from '../src/alert-rules.js';

const alert = (since: number, ip = '10.0.0.1'): Alert => ({
  modid: 1,
  cmdid: 1,
  ip,
  port: 80,
  reason: 'error_rate',
  errorRate: 0.5,
  calls: 40,
  callers: ['192.168.0.1'],
  since,
});

/** A timer fired by hand. */
function handTimer(): MonitorTimer & { fire(): void; cleared: boolean } {
  let fn: () => void = () => {};
  const t = {
    cleared: false,
    setInterval(f: () => void) {
      fn = f;
      return { unref: () => t };
    },
    clearInterval() {
      t.cleared = true;
    },
    fire: () => fn(),
  };
  return t;
}

describe('AlertMonitor', () => {
  it('raises new alerts, keeps the first since, clears what went', async () => {
    let next: Alert[] = [alert(600)];
    const timer = handTimer();
    const m = new AlertMonitor(async () => next, { timer, intervalMs: 1000 });
    const events: string[] = [];
    m.on((e, a) => events.push(`${e} ${a.ip} ${a.since}`));
    expect(m.current()).toBeNull();
    await m.tick();
    expect(events).toEqual(['raised 10.0.0.1 600']);
    next = [alert(660), alert(700, '10.0.0.2')];
    await m.tick();
    expect(m.current()?.map((a) => a.since)).toEqual([600, 700]);
    next = [alert(700, '10.0.0.2')];
    await m.tick();
    expect(events).toEqual(['raised 10.0.0.1 600', 'raised 10.0.0.2 700', 'cleared 10.0.0.1 600']);
    m.start();
    await m.tick(); // joins the evaluation start() began
    next = [];
    timer.fire();
    await m.close();
    expect(timer.cleared).toBe(true);
    expect(m.current()).toEqual([]);
  });

  it('a failed evaluation changes nothing', async () => {
    let fail = false;
    const m = new AlertMonitor(async () => {
      if (fail) throw new Error('MySQL gone');
      return [alert(600)];
    });
    await m.tick();
    fail = true;
    await m.tick();
    expect(m.current()).toHaveLength(1);
  });
});
