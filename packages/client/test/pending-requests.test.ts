import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode } from '@lars/wire';
import { defaultTickMs, PendingRequests } from '../src/pending-requests.js';
import type { PendingEntry } from '../src/pending-requests.js';

interface Entry extends PendingEntry<number> {
  name: string;
}

function entry(key: number): Entry {
  return { key, name: `e${key}`, deadline: 0, attempts: 0 };
}

function table(options: { timeoutMs?: number; retries?: number; tickMs?: number } = {}) {
  const resent: string[] = [];
  const expired: string[] = [];
  const pending = new PendingRequests<number, Entry>(
    { resend: (e) => resent.push(`${e.name}#${e.attempts}`), expire: (e) => expired.push(e.name) },
    { timeoutMs: 100, retries: 2, tickMs: 10, now: () => Date.now(), ...options },
  );
  return { pending, resent, expired };
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('PendingRequests', () => {
  it('resends a silent entry `retries` times, one timeout apart, then expires it', () => {
    const { pending, resent, expired } = table();
    pending.add(entry(1));
    vi.advanceTimersByTime(99);
    expect(resent).toEqual([]);
    vi.advanceTimersByTime(11);
    expect(resent).toEqual(['e1#2']);
    vi.advanceTimersByTime(100);
    expect(resent).toEqual(['e1#2', 'e1#3']);
    expect(expired).toEqual([]);
    vi.advanceTimersByTime(100);
    expect(expired).toEqual(['e1']);
    expect(pending.size).toBe(0);
    expect(pending.retriesSent).toBe(2);
    expect(pending.timeouts).toBe(1);
    vi.advanceTimersByTime(1000);
    expect(resent).toHaveLength(2);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('with retries 0 expires after one timeout', () => {
    const { pending, resent, expired } = table({ retries: 0 });
    pending.add(entry(1));
    vi.advanceTimersByTime(110);
    expect(resent).toEqual([]);
    expect(expired).toEqual(['e1']);
  });

  it('a taken entry never times out', () => {
    const { pending, resent, expired } = table();
    const e = entry(5);
    pending.add(e);
    vi.advanceTimersByTime(50);
    expect(pending.take(5)).toBe(e);
    expect(pending.take(5)).toBeUndefined();
    vi.advanceTimersByTime(1000);
    expect(resent).toEqual([]);
    expect(expired).toEqual([]);
  });

  it('expires entries in deadline order, keeping retried entries behind newer ones', () => {
    const { pending, resent, expired } = table({ retries: 1 });
    pending.add(entry(1));
    vi.advanceTimersByTime(50);
    pending.add(entry(2));
    vi.advanceTimersByTime(60);
    expect(resent).toEqual(['e1#2']);
    vi.advanceTimersByTime(50);
    expect(resent).toEqual(['e1#2', 'e2#2']);
    vi.advanceTimersByTime(50);
    expect(expired).toEqual(['e1']);
    vi.advanceTimersByTime(50);
    expect(expired).toEqual(['e1', 'e2']);
  });

  it('runs one timer whatever the number of entries, and none when empty', () => {
    const { pending } = table();
    expect(vi.getTimerCount()).toBe(0);
    for (let i = 0; i < 1000; i++) pending.add(entry(i));
    expect(vi.getTimerCount()).toBe(1);
    for (let i = 0; i < 1000; i++) pending.take(i);
    vi.advanceTimersByTime(10);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('drain returns every entry and stops the timer', () => {
    const { pending, expired } = table();
    pending.add(entry(1));
    pending.add(entry(2));
    expect(pending.drain().map((e) => e.name)).toEqual(['e1', 'e2']);
    expect(pending.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(1000);
    expect(expired).toEqual([]);
  });

  it('checks its options and derives the tick from the timeout', () => {
    const handlers = { resend: () => undefined, expire: () => undefined };
    for (const bad of [{ timeoutMs: 0 }, { retries: -1 }, { retries: 1.5 }, { tickMs: 0 }]) {
      expect(() => new PendingRequests(handlers, bad)).toThrow(expect.objectContaining({ code: ErrorCode.BAD_OPTION }));
    }
    expect(defaultTickMs(100)).toBe(10);
    expect(defaultTickMs(3)).toBe(1);
    expect(defaultTickMs(60_000)).toBe(50);
  });

  it('takeWhere removes only the matching entries, in deadline order, and stops the timer when empty', () => {
    const { pending, resent, expired } = table();
    for (const key of [1, 2, 3, 4]) pending.add(entry(key));
    expect(pending.takeWhere((e) => e.key % 2 === 0).map((e) => e.name)).toEqual(['e2', 'e4']);
    expect([pending.has(1), pending.has(2), pending.has(3), pending.has(4)]).toEqual([true, false, true, false]);
    expect(pending.takeWhere(() => true).map((e) => e.name)).toEqual(['e1', 'e3']);
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(1_000);
    expect([resent, expired]).toEqual([[], []]);
  });
});
