import { once } from 'node:events';
import type { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '@lars/wire';
import { FullPolicy, SabQueue, WaitResult } from '../src/sab-queue.js';
import { spawnWorker } from '../src/worker-spawn.js';
import type { ConsumerData, ConsumerResult } from './fixtures/sab-consumer.js';
import type { ProducerData, ProducerResult } from './fixtures/sab-producer.js';
import { makeRecord, mulberry32, RECORD_HEADER, verifyRecord } from './fixtures/sab-records.js';

const PRODUCER = new URL('./fixtures/sab-producer.ts', import.meta.url);
const CONSUMER = new URL('./fixtures/sab-consumer.ts', import.meta.url);
const ECHO = new URL('./fixtures/sab-echo.ts', import.meta.url);
const ASYNC_CONSUMER = new URL('./fixtures/sab-async-consumer.ts', import.meta.url);

/** The first message of a worker; rejects if it errors or exits first. */
function firstMessage<T>(worker: Worker): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    worker.once('message', (m: T) => resolve(m));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`worker exited (${code}) before answering`)));
  });
}

function bytes(...values: number[]): Uint8Array {
  return Uint8Array.from(values);
}

async function runPair(
  queue: SabQueue,
  producer: Omit<ProducerData, 'buffer'>,
  consumer: Omit<ConsumerData, 'buffer'>,
): Promise<{ produced: ProducerResult; consumed: ConsumerResult }> {
  const c = spawnWorker(CONSUMER, { workerData: { buffer: queue.buffer, ...consumer } satisfies ConsumerData });
  const p = spawnWorker(PRODUCER, { workerData: { buffer: queue.buffer, ...producer } satisfies ProducerData });
  const exited = Promise.all([once(p, 'exit'), once(c, 'exit')]);
  const [produced, consumed] = await Promise.all([firstMessage<ProducerResult>(p), firstMessage<ConsumerResult>(c)]);
  await exited;
  return { produced, consumed };
}

describe('SabQueue (single thread)', () => {
  it('validates capacity and policy', () => {
    for (const capacityBytes of [0, 100, 32, 3 * 1024, 2 ** 31]) {
      expect(() => SabQueue.create({ capacityBytes })).toThrow(expect.objectContaining({ code: ErrorCode.BAD_OPTION }));
    }
    expect(() => SabQueue.create({ fullPolicy: 'lifo' as FullPolicy })).toThrow(/fullPolicy/);
    expect(() => SabQueue.attach(new SharedArrayBuffer(1024))).toThrow(/buffer/);
  });

  it('passes records in order, of any length up to the limit, wrapping the ring', () => {
    const q = SabQueue.create({ capacityBytes: 256 });
    expect(q.maxRecordBytes).toBe(128);
    expect(q.pop()).toBeNull();
    const rand = mulberry32(7);
    const scratch = new Uint8Array(RECORD_HEADER + 100);
    for (let seq = 0; seq < 5000; seq++) {
      const r = makeRecord(scratch, seq, rand, 100);
      expect(q.push(r)).toBe(true);
      const out = q.pop();
      expect(out).toEqual(r);
      expect(verifyRecord(out!)).toBe(seq);
    }
    expect(q.push(new Uint8Array(0))).toBe(true);
    expect(q.pop()).toEqual(new Uint8Array(0));
    expect(q.push(new Uint8Array(128))).toBe(true);
    expect(q.pop()?.length).toBe(128);
    expect(() => q.push(new Uint8Array(129))).toThrow(expect.objectContaining({ code: ErrorCode.RECORD_TOO_LARGE }));
    expect(q.stats()).toMatchObject({ pushed: 5002, popped: 5002, records: 0, depthBytes: 0, rejected: 0, dropped: 0 });
  });

  it("'reject' refuses when full, counts it, and keeps what is queued", () => {
    const q = SabQueue.create({ capacityBytes: 64, fullPolicy: FullPolicy.REJECT });
    // Each 4-byte record takes 8 bytes: 8 fit in 64.
    for (let i = 0; i < 8; i++) expect(q.push(bytes(i, i, i, i))).toBe(true);
    expect(q.push(bytes(9))).toBe(false);
    expect(q.push(bytes(9))).toBe(false);
    expect(q.stats()).toMatchObject({ pushed: 8, rejected: 2, records: 8, depthBytes: 64, dropped: 0 });
    expect(q.pop()).toEqual(bytes(0, 0, 0, 0));
    expect(q.push(bytes(8, 8, 8, 8))).toBe(true);
    const seen: number[] = [];
    expect(q.drain((r) => seen.push(r[0]))).toBe(8);
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it("'drop-oldest' drops whole oldest records to make room and counts them", () => {
    const q = SabQueue.create({ capacityBytes: 64, fullPolicy: FullPolicy.DROP_OLDEST });
    for (let i = 0; i < 8; i++) expect(q.push(bytes(i, i, i, i))).toBe(true);
    // 12 bytes + header = 16 bytes: the two oldest 8-byte records go.
    expect(q.push(new Uint8Array(12).fill(42))).toBe(true);
    expect(q.stats()).toMatchObject({ pushed: 9, dropped: 2, rejected: 0, records: 7 });
    const seen: number[] = [];
    q.drain((r) => seen.push(r[0]));
    expect(seen).toEqual([2, 3, 4, 5, 6, 7, 42]);
  });

  it('drain stops at max and a throwing sink loses only its own record', () => {
    const q = SabQueue.create({ capacityBytes: 256 });
    for (let i = 0; i < 5; i++) q.push(bytes(i));
    const seen: number[] = [];
    expect(q.drain((r) => seen.push(r[0]), 2)).toBe(2);
    expect(() =>
      q.drain(() => {
        throw new Error('sink failed');
      }),
    ).toThrow('sink failed');
    q.drain((r) => seen.push(r[0]));
    expect(seen).toEqual([0, 1, 3, 4]);
  });

  it('attach sees the same queue and counters; close ends the stream', async () => {
    const a = SabQueue.create({ capacityBytes: 128, fullPolicy: FullPolicy.DROP_OLDEST });
    const b = SabQueue.attach(a.buffer);
    expect(b.fullPolicy).toBe(FullPolicy.DROP_OLDEST);
    a.push(bytes(1, 2, 3));
    expect(b.stats().pushed).toBe(1);
    expect(b.pop()).toEqual(bytes(1, 2, 3));
    expect(a.stats().popped).toBe(1);
    a.push(bytes(4));
    b.close();
    expect(() => a.push(bytes(5))).toThrow(expect.objectContaining({ code: ErrorCode.CLOSED }));
    expect(await b.waitAsync()).toBe(WaitResult.READY);
    expect(b.pop()).toEqual(bytes(4));
    expect(await b.waitAsync()).toBe(WaitResult.CLOSED);
  });

  it('waitAsync times out when nothing comes; waitSync refuses the main thread', async () => {
    const q = SabQueue.create({ capacityBytes: 64 });
    expect(await q.waitAsync(0)).toBe(WaitResult.TIMED_OUT);
    expect(await q.waitAsync(20)).toBe(WaitResult.TIMED_OUT);
    expect(() => q.waitSync(0)).toThrow(expect.objectContaining({ code: ErrorCode.BAD_OPTION }));
  });
});

describe('SabQueue (worker threads)', () => {
  it('carries 1,000,000 random-length records through a 4 KiB ring: none torn, lost, duplicated or reordered', async () => {
    const queue = SabQueue.create({ capacityBytes: 4096, fullPolicy: FullPolicy.REJECT });
    const count = 1_000_000;
    const { produced, consumed } = await runPair(
      queue,
      { count, seed: 12345, maxPayload: 120 },
      { contiguous: true, pauseEvery: 0 },
    );
    expect(produced.sent).toBe(count);
    expect(consumed).toEqual({ received: count, torn: 0, outOfOrder: 0, lastSeq: count - 1 });
    const stats = queue.stats();
    expect(stats).toMatchObject({ pushed: count, popped: count, dropped: 0, records: 0, closed: true });
    expect(stats.rejected).toBe(produced.refused);
  });

  it("'drop-oldest' while the consumer reads: every record intact, increasing, received + dropped == sent", async () => {
    const queue = SabQueue.create({ capacityBytes: 4096, fullPolicy: FullPolicy.DROP_OLDEST });
    const count = 300_000;
    const { produced, consumed } = await runPair(
      queue,
      { count, seed: 999, maxPayload: 300 },
      { contiguous: false, pauseEvery: 5000 },
    );
    const stats = queue.stats();
    expect(produced).toEqual({ sent: count, refused: 0 });
    expect(consumed.torn).toBe(0);
    expect(consumed.outOfOrder).toBe(0);
    expect(stats.dropped).toBeGreaterThan(0);
    expect(consumed.received).toBeGreaterThan(0);
    expect(consumed.received + stats.dropped).toBe(count);
    expect(stats).toMatchObject({ pushed: count, popped: consumed.received, rejected: 0, records: 0 });
  });

  it('worker -> main: Atomics.waitAsync on the main thread resolves when the worker pushes', async () => {
    const queue = SabQueue.create({ capacityBytes: 1024 });
    const worker = spawnWorker(ECHO, { workerData: queue.buffer });
    try {
      expect(await firstMessage<string>(worker)).toBe('ready');
      for (let round = 0; round < 3; round++) {
        const waiting = queue.waitAsync();
        expect(queue.isEmpty()).toBe(true);
        const acked = firstMessage<boolean>(worker);
        worker.postMessage(bytes(round, 7));
        expect(await waiting).toBe(WaitResult.READY);
        expect(await acked).toBe(true);
        expect(queue.pop()).toEqual(bytes(round, 7));
      }
    } finally {
      await worker.terminate();
    }
  });

  it('a worker whose only pending work is waitAsync stays alive until the record comes', async () => {
    const queue = SabQueue.create({ capacityBytes: 1024 });
    const worker = spawnWorker(ASYNC_CONSUMER, { workerData: queue.buffer });
    let gone = false;
    const exited = once(worker, 'exit').then(() => (gone = true));
    expect(await firstMessage<string>(worker)).toBe('waiting');
    // Give a worker with an empty event loop ample time to exit, then push.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(gone).toBe(false);
    const answer = firstMessage<{ result: WaitResult; record: Uint8Array }>(worker);
    expect(queue.push(bytes(3, 1, 4))).toBe(true);
    expect(await answer).toEqual({ result: WaitResult.READY, record: bytes(3, 1, 4) });
    await exited;
  });
});
