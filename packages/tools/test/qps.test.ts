import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { freePortRange } from '../../../test-support/ports.js';
import type { QpsSummary } from '../src/index.js';
import { runTool } from '../src/index.js';
import { LarsSystem, waitForRoute } from './system-harness.js';
import { Capture, runCaptured, runProcess } from './tool-harness.js';

// Thread i loops on modid i + 1, cmdid 1: modid 1 and 2 have hosts, 3 has none.
const sys = new LarsSystem();
beforeAll(async () => {
  await sys.start();
  await sys.addHosts(1, 1, '192.168.1.177:9001');
  await sys.addHosts(2, 1, '192.168.1.178:9002', '192.168.1.179:9003');
  await waitForRoute(sys, 1, 1, 1);
  await waitForRoute(sys, 2, 1, 2);
});
afterAll(() => sys.stop());

const PER_SECOND = /^thread:\[(\d+)\] --> qps = \[(\d+)\], average = \[(\d+)\]$/;
const TOTAL = /^total --> qps = \[(\d+)\], average = \[(\d+)\]$/;

function parseSummary(line: string | undefined): QpsSummary {
  expect(line).toBeDefined();
  return JSON.parse(line ?? '') as QpsSummary;
}

describe('qps', () => {
  it('--json: one summary line on stdout, per-second lines on stderr; NOEXIST counts as an answer', async () => {
    const run = await runCaptured('qps', [
      '3',
      '--duration',
      '1.5',
      '--inflight',
      '2',
      '--json',
      '--base-port',
      String(sys.basePort),
    ]);
    expect(run.code).toBe(0);
    expect(run.lines).toHaveLength(1);
    const s = parseSummary(run.lines[0]);
    expect(s.threads).toBe(3);
    expect(s.inflight).toBe(2);
    expect(s.seconds).toBeGreaterThanOrEqual(1.5);
    expect(s.loops).toBeGreaterThan(0);
    expect(s.loopsPerSec).toBeGreaterThan(0);
    expect(s.perThreadLoopsPerSec).toHaveLength(3);
    for (const perThread of s.perThreadLoopsPerSec) expect(perThread).toBeGreaterThan(0);
    expect(s.p50Ms).toBeGreaterThan(0);
    expect(s.p99Ms).toBeGreaterThanOrEqual(s.p50Ms);
    expect(s.errors).toBe(0);
    expect(s.answers.succ).toBeGreaterThan(0);
    expect(s.answers.noexist).toBeGreaterThan(0);
    expect(s.answers.succ + s.answers.overload + s.answers.noexist).toBe(s.loops);
    const progress = run.err.split('\n').filter((l) => l !== '');
    expect(progress.slice(0, 4).map((l) => PER_SECOND.exec(l)?.[1] ?? TOTAL.test(l))).toEqual(['0', '1', '2', true]);
  });

  it('--warmup loops first and counts only what follows', async () => {
    const run = await runCaptured('qps', [
      '2',
      '--warmup',
      '0.5',
      '--duration',
      '0.5',
      '--json',
      '--base-port',
      String(sys.basePort),
    ]);
    expect(run.code).toBe(0);
    const s = parseSummary(run.lines[0]);
    expect(s.loops).toBeGreaterThan(0);
    expect(s.answers.succ + s.answers.overload + s.answers.noexist).toBe(s.loops);
    const bad = await runCaptured('qps', ['1', '--warmup', 'soon']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--warmup');
  });

  it("prints the original's per-second lines and a summary", async () => {
    const run = await runCaptured('qps', ['1', '--duration', '1.2', '--base-port', String(sys.basePort)]);
    expect(run.code).toBe(0);
    expect(run.err).toBe('');
    const [thread, total, summary, ...rest] = run.lines;
    expect(thread).toMatch(PER_SECOND);
    expect(Number(PER_SECOND.exec(thread)?.[2])).toBeGreaterThan(0);
    expect(total).toMatch(TOTAL);
    expect(summary).toMatch(/^summary: threads = 1, inflight = 1, seconds = 1\.\d\d$/);
    expect(rest[0]).toMatch(/^thread:\[0\] --> average = \[\d+\]$/);
    expect(rest[1]).toMatch(
      /^total --> loops = \[\d+\], average = \[\d+\], get_host p50 = [\d.]+ ms, p99 = [\d.]+ ms$/,
    );
    expect(rest[2]).toMatch(/^answers: SUCC \d+, OVERLOAD 0, NOEXIST 0, SYSTEM_ERROR 0$/);
  });

  it('runs until the abort signal without --duration, then prints the summary', async () => {
    const controller = new AbortController();
    const stdout = new (class extends Capture {
      override write(chunk: string): boolean {
        if (chunk.startsWith('thread:[0] --> qps')) controller.abort();
        return super.write(chunk);
      }
    })();
    const code = await runTool('qps', ['1', '--json', '--base-port', String(sys.basePort)], {
      stdout,
      stderr: stdout,
      signal: controller.signal,
    });
    expect(code).toBe(0);
    const s = parseSummary(stdout.lines.at(-1));
    expect(s.loops).toBeGreaterThan(0);
    expect(s.seconds).toBeGreaterThanOrEqual(1);
  });

  it('--rate caps the loops: at most rate × seconds + a burst per thread, and the rate is in the summary', async () => {
    // 2 threads at 3 + 2 loops/s, burst 1 each. A thread loops until the stop message, sent once
    // the summary's clock has stopped: one more loop each allows for that message in flight.
    const run = await runCaptured('qps', [
      '2',
      '--rate',
      '5',
      '--inflight',
      '4',
      '--duration',
      '1',
      '--json',
      '--base-port',
      String(sys.basePort),
    ]);
    expect(run.code).toBe(0);
    const s = parseSummary(run.lines[0]);
    expect(s.rate).toBe(5);
    expect(s.loops).toBeGreaterThanOrEqual(2);
    expect(s.loops).toBeLessThanOrEqual(Math.floor(5 * s.seconds) + 2 * (1 + 1));
    expect(s.answers.succ + s.answers.overload + s.answers.noexist).toBe(s.loops);
    const text = await runCaptured('qps', [
      '1',
      '--rate',
      '50',
      '--duration',
      '0.5',
      '--base-port',
      String(sys.basePort),
    ]);
    expect(text.code).toBe(0);
    expect(text.lines).toContainEqual(
      expect.stringMatching(/^summary: threads = 1, inflight = 1, rate = 50\/s, seconds = /),
    );
  });

  it('--no-report: get_host alone, not one report reaches the agent', async () => {
    const stat = (k: 'getHostRequests' | 'reportRequests') => sys.agent.stats()[k] as number;
    const noReport = async (seconds: string) => {
      const gets = stat('getHostRequests');
      const run = await runCaptured('qps', [
        '1',
        '--no-report',
        '--duration',
        seconds,
        '--json',
        '--base-port',
        String(sys.basePort),
      ]);
      expect(run.code).toBe(0);
      const s = parseSummary(run.lines[0]);
      expect(s.answers.succ).toBeGreaterThan(0);
      // The agent publishes its counters every few ms: once every get_host the tool counted shows, so does any
      // datagram that reached the key's port before them (one socket, read in order, its counters published together).
      await vi.waitFor(() => expect(stat('getHostRequests') - gets).toBeGreaterThanOrEqual(s.loops));
    };
    // First a run whose gets follow any report an earlier test sent (its last ones may not be published yet).
    await noReport('0.1');
    const reports = stat('reportRequests');
    await noReport('0.5');
    expect(stat('reportRequests') - reports).toBe(0);
  });

  it('--rate: an integer 1..10000000, at least ThreadNum; without it the summary has no rate', async () => {
    for (const bad of ['0', 'abc', '1e9', '10000001', '-5', '2.5']) {
      const run = await runCaptured('qps', ['1', '--rate', bad]);
      expect(run.code).toBe(2);
      expect(run.err).toContain(`--rate must be an integer in 1..10000000, got "${bad}"`);
    }
    const few = await runCaptured('qps', ['3', '--rate', '2']);
    expect(few.code).toBe(2);
    expect(few.err).toContain('--rate must be at least ThreadNum (3)');
    const plain = await runCaptured('qps', ['1', '--duration', '0.2', '--json', '--base-port', String(sys.basePort)]);
    expect(plain.code).toBe(0);
    expect(parseSummary(plain.lines[0])).not.toHaveProperty('rate');
  });

  it('exits 1 with SYSTEM_ERROR counted when no agent answers', async () => {
    const nowhere = await freePortRange(3);
    const run = await runCaptured('qps', ['1', '--duration', '0.5', '--json', '--base-port', String(nowhere)]);
    expect(run.code).toBe(1);
    const s = parseSummary(run.lines[0]);
    expect(s.loops).toBe(0);
    expect(s.errors).toBeGreaterThan(0);
  });

  it('runs as a process: --duration 2 --json gives a parsable line with loops > 0', async () => {
    const run = await runProcess(['qps', '2', '--duration', '2', '--json', '--base-port', String(sys.basePort)]);
    expect(run.code).toBe(0);
    const s = parseSummary(run.lines.at(-1));
    expect(s.threads).toBe(2);
    expect(s.loops).toBeGreaterThan(0);
    expect(s.perThreadLoopsPerSec.every((n) => n > 0)).toBe(true);
  });
});
