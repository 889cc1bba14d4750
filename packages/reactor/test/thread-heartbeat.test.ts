import { once } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode } from '@lars/wire';
import { until } from '../../../test-support/wait.js';
import { healthReport, type HealthReport } from '../src/health.js';
import { StatsHttpServer } from '../src/stats-http.js';
import { Heartbeat, HeartbeatBoard } from '../src/thread-heartbeat.js';
import { spawnWorker } from '../src/worker-spawn.js';

/** A clock the test moves by hand. */
function fakeClock(start = 1000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('HeartbeatBoard', () => {
  it('judges a thread dead once its slot has not moved for deadAfterMs, alive again when it moves', () => {
    const clock = fakeClock();
    const board = new HeartbeatBoard(['main', 'worker'] as const, { deadAfterMs: 10_000, now: clock.now });
    const main = new Heartbeat(board.slot('main'));
    const worker = new Heartbeat(board.slot('worker'));
    main.beat();
    worker.beat();
    expect(board.check()).toEqual({
      main: { ok: true, detail: 'beating (1 beats)', beats: 1, silentMs: 0 },
      worker: { ok: true, detail: 'beating (1 beats)', beats: 1, silentMs: 0 },
    });

    clock.advance(9_999);
    main.beat();
    expect(board.check().worker).toMatchObject({ ok: true, silentMs: 9_999 });
    clock.advance(1);
    const report = healthReport(board.check());
    expect(report).toMatchObject({ ok: false, failing: ['worker'] });
    expect(report.checks.worker).toEqual({
      ok: false,
      detail: 'no heartbeat for 10000 ms',
      beats: 1,
      silentMs: 10_000,
    });
    expect(report.checks.main).toMatchObject({ ok: true, silentMs: 1 });

    worker.beat();
    expect(board.check().worker).toMatchObject({ ok: true, beats: 2, silentMs: 0 });
  });

  it('counts a thread that never beat as dead deadAfterMs after the board was made', () => {
    const clock = fakeClock();
    const board = new HeartbeatBoard(['loader'] as const, { deadAfterMs: 500, now: clock.now });
    expect(board.check().loader.ok).toBe(true);
    clock.advance(500);
    expect(board.check().loader).toEqual({ ok: false, detail: 'has not beaten in 500 ms', beats: 0, silentMs: 500 });
  });

  it('beats from an unref-ed interval timer until closed', () => {
    vi.useFakeTimers();
    const clock = fakeClock();
    const board = new HeartbeatBoard(['main'] as const, { deadAfterMs: 3_000, now: clock.now });
    const beat = new Heartbeat(board.slot('main'), 1_000).start();
    expect(board.check().main.beats).toBe(1);
    vi.advanceTimersByTime(5_000);
    clock.advance(5_000);
    expect(board.check().main).toMatchObject({ ok: true, beats: 6 });
    beat.close();
    vi.advanceTimersByTime(3_000);
    clock.advance(3_000);
    expect(board.check().main).toMatchObject({ ok: false, beats: 6 });
  });

  it('rejects bad names, slots and intervals with LARS_BAD_OPTION', () => {
    expect(() => new HeartbeatBoard([])).toThrow(expect.objectContaining({ code: ErrorCode.BAD_OPTION }));
    expect(() => new HeartbeatBoard(['a', 'a'])).toThrow(/names/);
    const board = new HeartbeatBoard(['a'] as const);
    expect(() => board.slot('b' as 'a')).toThrow(/must be one of a/);
    expect(() => new Heartbeat({ buffer: board.buffer, slot: 1 })).toThrow(/slot/);
    expect(() => new Heartbeat(board.slot('a'), 0)).toThrow(/intervalMs/);
  });
});

describe('/healthz with a real worker thread', () => {
  it('is 200 while the worker beats and 503 naming it once it is stuck', async () => {
    const board = new HeartbeatBoard(['main', 'worker'] as const, { deadAfterMs: 300 });
    const main = new Heartbeat(board.slot('main'), 20).start();
    const worker = spawnWorker(new URL('./fixtures/heartbeat-worker.ts', import.meta.url), {
      workerData: { slot: board.slot('worker'), intervalMs: 20 },
    });
    const live = () => healthReport(board.check());
    const server = new StatsHttpServer(
      { stats: async () => ({}), metrics: async () => '', contentType: 'text/plain' },
      { health: { live, ready: live } },
    );
    try {
      const [hello] = await once(worker, 'message');
      expect(hello).toBe('beating');
      const { port } = await server.listen();
      const healthz = () => fetch(`http://127.0.0.1:${port}/healthz`);
      const ok = await healthz();
      expect(ok.status).toBe(200);
      expect(await ok.json()).toMatchObject({ ok: true, failing: [] });

      worker.postMessage('stop');
      const [stuck] = await once(worker, 'message');
      expect(stuck).toBe('stuck');
      let res = await healthz();
      await until(async () => {
        res = await healthz();
        return res.status !== 200;
      }, '/healthz to see the stuck worker');
      expect(res.status).toBe(503);
      const body = (await res.json()) as HealthReport;
      expect(body).toMatchObject({ ok: false, failing: ['worker'], checks: { main: { ok: true } } });
      expect(body.checks.worker.detail).toMatch(/^no heartbeat for \d+ ms$/);
    } finally {
      main.close();
      await worker.terminate();
      await server.close();
    }
  });
});
