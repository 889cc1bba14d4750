import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '@lars/wire';
import { createLogger } from '../src/logger.js';
import { ThreadPool, type ThreadPoolOptions } from '../src/thread-pool.js';
import { captureLogs, LEVEL } from '../../../test-support/log-capture.js';
import { CRASH, LOG, THROW, type EchoData } from './fixtures/pool-echo-protocol.js';

const ECHO = new URL('./fixtures/pool-echo.ts', import.meta.url);
const LINGER = new URL('./fixtures/pool-linger.ts', import.meta.url);

interface Reply {
  /** Index onMessage was called with (whose output queue it came from). */
  from: number;
  /** Index the worker wrote into its answer. */
  worker: number;
  payload: number[];
}

/** Collects replies; `waitFor(n)` resolves once n have arrived. */
class Replies {
  readonly all: Reply[] = [];
  private waiter: { n: number; resolve: () => void } | null = null;

  readonly onMessage = (from: number, record: Uint8Array): void => {
    this.all.push({ from, worker: record[0], payload: Array.from(record.subarray(1)) });
    if (this.waiter !== null && this.all.length >= this.waiter.n) this.waiter.resolve();
  };

  waitFor(n: number): Promise<Reply[]> {
    if (this.all.length >= n) return Promise.resolve(this.all);
    return new Promise((resolve) => {
      this.waiter = { n, resolve: () => resolve(this.all) };
    });
  }
}

function echoPool(replies: Replies, options: ThreadPoolOptions & { async?: boolean } = {}): ThreadPool {
  const { async = false, ...rest } = options;
  return new ThreadPool(ECHO, {
    threads: 3,
    queueBytes: 4096,
    workerData: { async } satisfies EchoData,
    onMessage: replies.onMessage,
    ...rest,
  });
}

describe('ThreadPool', () => {
  it('round robin visits every worker in turn; answers come back through the queue to main', async () => {
    const replies = new Replies();
    const pool = echoPool(replies);
    try {
      for (let k = 0; k < 6; k++) expect(pool.sendRoundRobin(Uint8Array.of(k))).toBe(true);
      const got = await replies.waitFor(6);
      expect(got).toHaveLength(6);
      for (const r of got) {
        expect(r.from).toBe(r.worker);
        expect(r.worker).toBe(r.payload[0] % 3);
      }
      expect(new Set(got.map((r) => r.worker))).toEqual(new Set([0, 1, 2]));
    } finally {
      await pool.close();
    }
  });

  it('sendTo reaches the named worker; broadcast reaches every worker', async () => {
    const replies = new Replies();
    const pool = echoPool(replies);
    try {
      expect(pool.sendTo(2, Uint8Array.of(10))).toBe(true);
      expect(pool.sendTo(0, Uint8Array.of(11))).toBe(true);
      expect((await replies.waitFor(2)).map((r) => [r.from, r.worker, r.payload[0]]).sort()).toEqual([
        [0, 0, 11],
        [2, 2, 10],
      ]);
      expect(pool.broadcast(Uint8Array.of(20))).toBe(3);
      const all = await replies.waitFor(5);
      const broadcast = all.filter((r) => r.payload[0] === 20);
      expect(broadcast.map((r) => r.worker).sort()).toEqual([0, 1, 2]);
      expect(() => pool.sendTo(3, Uint8Array.of(1))).toThrow(expect.objectContaining({ code: ErrorCode.BAD_OPTION }));
    } finally {
      await pool.close();
    }
  });

  it('the same key always reaches the same worker, and keys spread over all workers', async () => {
    const replies = new Replies();
    const pool = echoPool(replies);
    try {
      const keys = Array.from({ length: 30 }, (_, k) => `route-${k}`);
      for (let round = 0; round < 4; round++) {
        for (const [k, key] of keys.entries()) expect(pool.sendByKey(key, Uint8Array.of(k))).toBe(true);
      }
      const got = await replies.waitFor(keys.length * 4);
      for (const r of got) expect(r.worker).toBe(pool.workerForKey(keys[r.payload[0]]));
      const owners = new Map<number, Set<number>>();
      for (const r of got) owners.set(r.payload[0], (owners.get(r.payload[0]) ?? new Set()).add(r.worker));
      for (const set of owners.values()) expect(set.size).toBe(1);
      expect(new Set(got.map((r) => r.worker)).size).toBe(3);
    } finally {
      await pool.close();
    }
  });

  it('async handlers answer everything, in order per worker; close delivers output still queued', async () => {
    const replies = new Replies();
    const pool = echoPool(replies, { async: true, threads: 2 });
    const n = 1000;
    for (let k = 0; k < n; k++) {
      while (!pool.sendRoundRobin(Uint8Array.of(k >> 8, k & 0xff))) await new Promise((r) => setImmediate(r));
    }
    await pool.close();
    expect(replies.all).toHaveLength(n);
    for (const w of [0, 1]) {
      const seq = replies.all.filter((r) => r.from === w).map((r) => (r.payload[0] << 8) | r.payload[1]);
      expect(seq).toEqual(Array.from({ length: n / 2 }, (_, i) => i * 2 + w));
    }
    expect(pool.stats()).toMatchObject({ alive: 0, unexpectedExits: 0, terminated: 0, workerErrors: 0 });
    expect(() => pool.sendRoundRobin(Uint8Array.of(1))).toThrow(expect.objectContaining({ code: ErrorCode.CLOSED }));
  });

  it('flush runs after each run of at most `batch` records, before the next record is taken', async () => {
    const batches: Array<{ size: number; sum: number }> = [];
    const pool = new ThreadPool(new URL('./fixtures/pool-batch.ts', import.meta.url), {
      threads: 1,
      onMessage: (_w, r) => batches.push({ size: r[0] | (r[1] << 8), sum: Buffer.from(r).readUInt32LE(2) }),
    });
    // Queued before the worker has started, so it finds them all waiting.
    for (let k = 0; k < 1000; k++) expect(pool.sendTo(0, Uint8Array.of(k % 7))).toBe(true);
    await pool.close();
    expect(batches.reduce((n, b) => n + b.size, 0)).toBe(1000);
    expect(batches.reduce((n, b) => n + b.sum, 0)).toBe(
      Array.from({ length: 1000 }, (_, k) => k % 7).reduce((a, b) => a + b),
    );
    expect(Math.max(...batches.map((b) => b.size))).toBe(100);
    expect(batches.every((b) => b.size >= 1 && b.size <= 100)).toBe(true);
  });

  it('ready() waits for every worker to say it is set up, and fails with a worker that cannot', async () => {
    const READY = new URL('./fixtures/pool-ready.ts', import.meta.url);
    const ok = new ThreadPool(READY, { threads: 3, workerData: { failIndex: -1 } });
    await ok.ready();
    expect(ok.stats().alive).toBe(3);
    await ok.close();
    const failing = new ThreadPool(READY, { threads: 3, workerData: { failIndex: 1 } });
    await expect(failing.ready()).rejects.toThrow('worker 1 could not bind');
    await failing.close();
  });

  it('a worker that crashes is logged and counted; main and the other workers go on', async () => {
    const replies = new Replies();
    const pool = echoPool(replies);
    try {
      const exited = new Promise<void>((resolve) => {
        const check = (): void => {
          if (pool.stats().unexpectedExits > 0) resolve();
          else setTimeout(check, 10);
        };
        check();
      });
      expect(pool.sendTo(1, Uint8Array.of(CRASH))).toBe(true);
      await exited;
      expect(pool.stats()).toMatchObject({ alive: 2, workerErrors: 1, unexpectedExits: 1 });
      expect(pool.sendTo(1, Uint8Array.of(5))).toBe(false);
      expect(pool.stats().deadWorkerSends).toBe(1);
      expect(pool.broadcast(Uint8Array.of(6))).toBe(2);
      expect((await replies.waitFor(2)).map((r) => r.worker).sort()).toEqual([0, 2]);
    } finally {
      await pool.close();
    }
  });

  it('a handler that throws loses its record only: counted, logged once per warnIntervalMs, the worker goes on', async () => {
    const replies = new Replies();
    const logs = captureLogs();
    const pool = echoPool(replies, { logger: logs.logger, warnIntervalMs: 3_600_000 });
    for (let k = 0; k < 3; k++) expect(pool.sendTo(1, Uint8Array.of(THROW, k))).toBe(true);
    expect(pool.sendTo(1, Uint8Array.of(7))).toBe(true);
    // Records are handled in order, so the echo answers after the three throws.
    expect((await replies.waitFor(1)).map((r) => [r.worker, r.payload[0]])).toEqual([[1, 7]]);
    expect(pool.stats()).toMatchObject({ handlerErrors: 3, workerErrors: 0, unexpectedExits: 0, alive: 3 });
    // close() has every worker exit, and a worker's lines are written before its exit is seen.
    await pool.close();
    const thrown = logs.matching({ msg: 'record handler threw; record lost' });
    expect(thrown).toHaveLength(1);
    expect(thrown[0]).toMatchObject({
      level: LEVEL.error,
      name: 'lars-test',
      component: 'pool-echo',
      worker: 1,
      suppressed: 0,
      err: { type: 'Error', message: 'worker 1 told to throw (record 0)' },
    });
  });

  it("workers log through the pool logger's destination: its level and name, component and worker bound, secrets redacted", async () => {
    const logs = captureLogs({ level: 'info' });
    const pool = echoPool(new Replies(), { logger: logs.logger, component: 'echo' });
    expect(pool.broadcast(Uint8Array.of(LOG, 9))).toBe(3);
    await pool.close();
    const lines = logs.matching({ msg: 'echo worker logs' });
    expect(lines.map((l) => l.worker).sort()).toEqual([0, 1, 2]);
    for (const l of lines) {
      expect(l).toMatchObject({ level: LEVEL.info, name: 'lars-test', component: 'echo', record: 9 });
      expect(l.password).toBe('[Redacted]');
    }

    const quiet = captureLogs({ level: 'warn' });
    const warnPool = echoPool(new Replies(), { logger: quiet.logger });
    expect(warnPool.broadcast(Uint8Array.of(LOG, 1))).toBe(3);
    await warnPool.close();
    expect(quiet.matching({ msg: 'echo worker logs' })).toEqual([]);
  });

  it('worker lines reach a rotating log file whole (LARS_LOG_FILE), written by the main thread alone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lars-pool-log-'));
    const file = join(dir, 'pool.log');
    try {
      const logger = createLogger({ name: 'lars-test', env: { LARS_LOG_FILE: file, LARS_LOG_MAX_BYTES: '4096' } });
      const pool = echoPool(new Replies(), { logger, queueBytes: 1 << 16 });
      for (let k = 0; k < 200; k++) expect(pool.broadcast(Uint8Array.of(LOG, k))).toBe(3);
      await pool.close();
      const text = [file, `${file}.1`, `${file}.2`, `${file}.3`, `${file}.4`, `${file}.5`]
        .filter((f) => existsSync(f))
        .map((f) => readFileSync(f, 'utf8'))
        .join('');
      const lines = text.split('\n').filter((l) => l !== '');
      // Every line parses: none was split or mixed with another thread's.
      const parsed = lines.map((l) => JSON.parse(l) as { msg: string; worker: number });
      expect(parsed.every((l) => l.msg === 'echo worker logs')).toBe(true);
      expect(readFileSync(file).length).toBeLessThanOrEqual(4096);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('close terminates a worker that does not exit by itself', async () => {
    const pool = new ThreadPool(LINGER, { threads: 2, queueBytes: 1024, closeTimeoutMs: 300 });
    expect(pool.broadcast(Uint8Array.of(1))).toBe(2);
    await pool.close();
    expect(pool.stats()).toMatchObject({ alive: 0, terminated: 2, unexpectedExits: 0 });
  });

  it('validates its options', () => {
    expect(() => new ThreadPool(ECHO, { threads: 0 })).toThrow(/threads/);
    expect(() => new ThreadPool(ECHO, { queueBytes: 1000 })).toThrow(/queueBytes/);
  });
});
