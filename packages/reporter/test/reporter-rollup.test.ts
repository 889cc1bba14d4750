// The call-status rollup through a real ReporterServer and MariaDB: snapshots
// in, CallStatusMinute rows out with exact counts; resends, reorderings and
// window resets counted once; a second reporter instance continuing from the
// stored state; old rows swept.
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ReportStatusRequest } from '@lars/proto';
import { ReporterServer, type ReporterServerOptions } from '../src/index.js';
import { createTestDatabase, type TestDatabase } from '../../../test-support/db.js';
import { until } from '../../../test-support/wait.js';
import { ReportClient } from './report-client.js';

let db: TestDatabase;
const open: Array<{ close(): Promise<void> }> = [];
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
  await db.admin.query('DELETE FROM ServerCallStatus');
  await db.admin.query('DELETE FROM CallStatusMinute');
  await db.admin.query('DELETE FROM RouteData');
});

const INTERVAL_S = 5;
/** The reporter's clock, unix seconds (the sweep compares with it). */
const nowS = () => Math.floor(Date.now() / 1000);
const H1 = 167772161; // 10.0.0.1
const H2 = 167772162;
const CALLER_A = 3232235777;
const CALLER_B = 3232235778;

async function startReporter(options: ReporterServerOptions = {}): Promise<{ reporter: ReporterServer; port: number }> {
  const reporter = new ReporterServer({
    port: 0,
    mysql: { host: db.host, port: db.port, user: db.user, password: db.password, database: db.name },
    writers: 2,
    rollupIntervalS: INTERVAL_S,
    rollupFlushMs: 20,
    defaultMetrics: false,
    ...options,
  });
  open.push(reporter);
  const { port } = await reporter.start();
  return { reporter, port };
}

async function client(port: number): Promise<ReportClient> {
  const c = await ReportClient.connect(port);
  open.push(c);
  return c;
}

function snap(
  ts: number,
  succ: number,
  err: number,
  overload = false,
  caller = CALLER_A,
  ip = H1,
): ReportStatusRequest {
  return { modid: 1, cmdid: 1, caller, ts, results: [{ ip, port: 80, succ, err, overload }] };
}

async function buckets(): Promise<string[]> {
  const [r] = await db.admin.query<RowDataPacket[]>(
    'SELECT ip, caller, minute, succ, err, overload FROM CallStatusMinute ORDER BY ip, caller, minute',
  );
  return r.map((x) => `${x.ip} ${x.caller} @${x.minute}: ${x.succ}/${x.err}${x.overload === '1' ? ' overload' : ''}`);
}

const stat = (r: ReporterServer, key: string) => (r.stats() as unknown as Record<string, number>)[key];

describe('call-status rollup', () => {
  it('counts each call once across resends, a reordered older snapshot and a window reset, per caller', async () => {
    const { reporter, port } = await startReporter();
    const c = await client(port);
    const T = 1_700_000_000; // a multiple of 5
    const sent = [
      snap(T, 3, 0),
      snap(T + 1, 7, 1),
      // The agent resends what it could not confirm, in order.
      snap(T, 3, 0),
      snap(T + 1, 7, 1),
      snap(T + 6, 9, 1),
      // Written late (another instance's queue after a failover): older than one counted.
      snap(T + 4, 8, 1),
      // The window resets: the counts start again.
      snap(T + 7, 2, 0),
      snap(T + 11, 5, 2, true),
      snap(T, 4, 4, false, CALLER_B),
    ];
    for (const s of sent) c.send(s);
    await until(() => stat(reporter, 'rowsWritten') === sent.length, 'every snapshot stored');
    const expected = [
      `${H1} ${CALLER_A} @${T}: 7/1`,
      `${H1} ${CALLER_A} @${T + 5}: 4/0`,
      // The overload flip is a reset too: 5/2 counted from zero.
      `${H1} ${CALLER_A} @${T + 10}: 5/2 overload`,
      `${H1} ${CALLER_B} @${T}: 4/4`,
    ];
    await until(async () => (await buckets()).length === expected.length, 'the rollup rows');
    expect(await buckets()).toEqual(expected);
    // The resent T + 1 is a duplicate; the resent T and the late T + 4 are older than T + 1 and T + 6.
    expect([stat(reporter, 'rollupDuplicates'), stat(reporter, 'rollupOlder'), stat(reporter, 'rollupResets')]).toEqual(
      [1, 2, 2],
    );
    // ServerCallStatus kept the newest snapshot, not the late older one.
    const [row] = await db.admin.query<RowDataPacket[]>(
      `SELECT succ_cnt, err_cnt, ts FROM ServerCallStatus WHERE caller = ${CALLER_A}`,
    );
    expect(row).toEqual([{ succ_cnt: 5, err_cnt: 2, ts: T + 11 }]);
  });

  it('a second reporter instance continues from the stored snapshot: a resend to it is not counted again', async () => {
    const T = 1_700_000_100;
    const first = await startReporter();
    const c1 = await client(first.port);
    c1.send(snap(T, 5, 1));
    c1.send(snap(T + 1, 8, 1));
    await until(() => stat(first.reporter, 'rollupRowsWritten') > 0 && stat(first.reporter, 'rowsWritten') === 2);
    await c1.close();
    await first.reporter.close();

    const second = await startReporter();
    const c2 = await client(second.port);
    // The agent could not confirm the last snapshot to the first instance: it resends it here, then goes on.
    c2.send(snap(T + 1, 8, 1));
    c2.send(snap(T + 2, 11, 1));
    await until(() => stat(second.reporter, 'rowsWritten') === 2, 'both snapshots stored');
    await until(async () => (await buckets())[0] === `${H1} ${CALLER_A} @${T}: 11/1`, 'the bucket at 11/1');
    expect(stat(second.reporter, 'rollupDuplicates')).toBe(1);
  });

  it('writes no rollup with rollup off', async () => {
    const { reporter, port } = await startReporter({ rollup: false });
    const c = await client(port);
    c.send(snap(1_700_000_000, 1, 1));
    await until(() => stat(reporter, 'rowsWritten') === 1);
    expect(await buckets()).toEqual([]);
    expect(stat(reporter, 'rollupRowsWritten')).toBe(0);
  });

  it('sweeps buckets past retention, stale rows, and rows of hosts no route holds, in small DELETEs', async () => {
    const now = nowS();
    await db.admin.query('INSERT INTO RouteData (modid, cmdid, serverip, serverport) VALUES (1, 1, ?, 80)', [H1]);
    const { reporter, port } = await startReporter({
      rollupRetentionS: 3600,
      statusMaxAgeS: 3600,
      orphanGraceS: 60,
      prune: { intervalMs: 30, batchRows: 2, pauseMs: 0 },
    });
    const c = await client(port);
    // Host 1 (in the route): 5 callers two hours ago (old buckets and stale rows), one caller now.
    for (let i = 0; i < 5; i++) c.send(snap(now - 7200, 1, 0, false, CALLER_A + 10 + i));
    c.send(snap(now, 2, 0));
    // Host 2 (in no route): reported 2 minutes ago (past the 60 s grace) by B, just now by A.
    c.send(snap(now - 120, 3, 0, false, CALLER_B, H2));
    c.send(snap(now, 4, 0, false, CALLER_A, H2));
    await until(() => stat(reporter, 'rowsWritten') === 8, 'every snapshot stored');
    await until(
      () => stat(reporter, 'rollupRowsPruned') === 5 && stat(reporter, 'statusRowsPruned') === 6,
      'the sweep',
    );
    const bucket = (ts: number) => ts - (ts % INTERVAL_S);
    expect(await buckets()).toEqual([
      `${H1} ${CALLER_A} @${bucket(now)}: 2/0`,
      `${H2} ${CALLER_A} @${bucket(now)}: 4/0`,
      `${H2} ${CALLER_B} @${bucket(now - 120)}: 3/0`,
    ]);
    const [left] = await db.admin.query<RowDataPacket[]>('SELECT ip, caller FROM ServerCallStatus ORDER BY ip');
    expect(left).toEqual([
      { ip: H1, caller: CALLER_A },
      { ip: H2, caller: CALLER_A },
    ]);
    expect(stat(reporter, 'pruneFailures')).toBe(0);
  });

  it('leaves every row alone while RouteData is empty (a wiped or restored route table)', async () => {
    const now = nowS();
    const { reporter, port } = await startReporter({ orphanGraceS: 0, prune: { intervalMs: 30 } });
    const c = await client(port);
    c.send(snap(now - 120, 1, 0));
    await until(() => stat(reporter, 'rowsWritten') === 1);
    const passes = stat(reporter, 'prunePasses');
    await until(() => stat(reporter, 'prunePasses') >= passes + 2, 'two full sweeps');
    expect(stat(reporter, 'statusRowsPruned')).toBe(0);
  });
});
