// What the fuzz tests do around the daemon they fuzz (a child process): start
// it and wait until it is ready, read its /stats, checksum the tables it must
// not write, and check a TCP run against the TcpServer counters.
import { expect, vi } from 'vitest';
import { type DaemonProcess, startDaemonProcess } from './daemon-process.js';
import type { TestDatabase } from './db.js';
import type { TcpExpectation } from './fuzz-driver.js';

/**
 * startDaemonProcess, resolved once `/readyz` on `statsPort` answers 200
 * (listening, first table loaded, MySQL up); killed when it never does.
 */
export async function startReadyDaemon(
  entry: string,
  conf: string,
  statsPort: number,
  env: Record<string, string> = {},
): Promise<DaemonProcess> {
  const daemon = startDaemonProcess(entry, conf, env);
  try {
    // The stats endpoint refuses connections until the daemon listens.
    await vi.waitFor(
      async () => {
        if (daemon.child.exitCode !== null) throw new Error(`${entry} exited: ${daemon.output()}`);
        expect((await fetch(`http://127.0.0.1:${statsPort}/readyz`)).status).toBe(200);
      },
      { timeout: 30_000, interval: 50 },
    );
  } catch (err) {
    await daemon.stop('SIGKILL');
    throw err;
  }
  return daemon;
}

/** The daemon's `GET /stats`. */
export async function daemonStats<T = Record<string, number>>(statsPort: number): Promise<T> {
  return (await (await fetch(`http://127.0.0.1:${statsPort}/stats`)).json()) as T;
}

/** The CHECKSUM of every table but `except`: equal before and after a run means nothing was written. */
export async function tableChecksums(
  db: TestDatabase,
  except: readonly string[] = [],
): Promise<Record<string, unknown>> {
  const [tables] = (await db.admin.query('SHOW TABLES')) as unknown as [Array<Record<string, string>>];
  const names = tables.map((t) => Object.values(t)[0]).filter((n) => !except.includes(n));
  const [rows] = (await db.admin.query(`CHECKSUM TABLE ${names.map((n) => `\`${n}\``).join(', ')}`)) as unknown as [
    Array<{ Table: string; Checksum: unknown }>,
  ];
  return Object.fromEntries(rows.map((r) => [r.Table, r.Checksum]));
}

/**
 * The run of `inputs` inputs reaches every class, or it proves little; and
 * valid + counted bad = received, per frame.
 */
export function expectTcpMix(expected: TcpExpectation, inputs: number): void {
  expect(expected.valid).toBeGreaterThan(inputs * 0.35);
  expect(
    Math.min(expected.badBody, expected.unknownMsgid, expected.badFrames, expected.truncatedFrames),
  ).toBeGreaterThan(100);
  expect(expected.valid + expected.unknownMsgid + expected.badBody).toBe(expected.framesIn);
}

/**
 * The TcpServer counters (`/stats` names) a run must have moved; `connections`
 * is a count, not a change: only the `open` connections made before the run
 * are still connected.
 */
export function tcpWanted(expected: TcpExpectation, open = 1) {
  return {
    connections: open,
    accepted: expected.connections,
    framesIn: expected.framesIn,
    requests: expected.valid,
    unknownMsgid: expected.unknownMsgid,
    badBody: expected.badBody,
    handlerErrors: 0,
    badFrames: expected.badFrames,
    truncatedFrames: expected.truncatedFrames,
  };
}

/**
 * Waits until the daemon's `/stats` has moved by `want` since `before`, under
 * want's keys (`connections`: the count now). Every connection has closed on
 * the sender's side; the daemon's counters follow within a turn or two.
 */
export async function untilCounted(
  statsPort: number,
  before: Record<string, number>,
  want: Record<string, number>,
  timeout = 10_000,
): Promise<void> {
  const counted = (after: Record<string, number>) =>
    Object.fromEntries(Object.keys(want).map((k) => [k, k === 'connections' ? after[k] : after[k] - before[k]]));
  await vi.waitFor(async () => expect(counted(await daemonStats(statsPort))).toEqual(want), { timeout, interval: 50 });
}
