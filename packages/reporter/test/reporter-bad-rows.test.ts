// Issue 11 item 1 through a real ReporterServer and the real MariaDB: a row
// MySQL would refuse no longer stalls its writer; statements stay under the
// byte budget; a writer with wrong credentials says so at once; a lock wait
// is retried in order.
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ReporterServer, type ReporterServerOptions } from '../src/index.js';
import { createTestDatabase, type TestDatabase } from '../../../test-support/db.js';
import { captureLogs, LEVEL, type LogCapture } from '../../../test-support/log-capture.js';
import { until } from '../../../test-support/wait.js';
import { ReportClient, snapshot } from './report-client.js';

let db: TestDatabase;
const open: Array<{ close(): Promise<void> }> = [];
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
  await db.admin.query('DELETE FROM ServerCallStatus');
});

async function startReporter(
  options: ReporterServerOptions = {},
): Promise<{ reporter: ReporterServer; client: ReportClient; logs: LogCapture }> {
  const logs = captureLogs();
  const reporter = new ReporterServer({
    port: 0,
    writers: 2,
    defaultMetrics: false,
    backoff: { initialMs: 10, maxMs: 50, factor: 2, jitter: 0 },
    logger: logs.logger,
    ...options,
    mysql: { host: db.host, port: db.port, user: db.user, password: db.password, database: db.name, ...options.mysql },
  });
  open.push(reporter);
  const { port } = await reporter.start();
  const client = await ReportClient.connect(port);
  open.push(client);
  return { reporter, client, logs };
}

const stat = (r: ReporterServer, key: string): unknown => (r.stats() as unknown as Record<string, unknown>)[key];

async function count(where = '1 = 1'): Promise<number> {
  const [[row]] = await db.admin.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM ServerCallStatus WHERE ${where}`);
  return Number(row.n);
}

/** One request of `n` hosts of (modid, cmdid), ports 1..n, succ = `succ(i)`. */
function hosts(modid: number, cmdid: number, n: number, succ: (i: number) => number = (i) => i) {
  return {
    modid,
    cmdid,
    caller: 2130706433,
    ts: 1_700_000_000,
    results: Array.from({ length: n }, (_, i) => ({
      ip: 167772161,
      port: i + 1,
      succ: succ(i),
      err: 0,
      overload: false,
    })),
  };
}

describe('reporter: rows that cannot be stored, statement size, connection state, transient errors', () => {
  it('drops a port = -1 row when decoded, counts and logs it, writes the others, and the writer goes on', async () => {
    const { reporter, client, logs } = await startReporter();
    client.send(snapshot(5, 5, 167772161, 80, 1, 0));
    client.send({
      modid: 5,
      cmdid: 5,
      caller: 2130706433,
      ts: 1_700_000_000,
      results: [
        { ip: 167772162, port: 81, succ: 2, err: 0, overload: false },
        { ip: 167772163, port: -1, succ: 3, err: 0, overload: false },
        { ip: 167772164, port: 82, succ: 4, err: 0, overload: false },
      ],
    });
    await until(() => stat(reporter, 'rowsWritten') === 3, 'the three valid rows');
    expect(stat(reporter, 'rowsRejected')).toBe(1);
    expect(stat(reporter, 'rowsRejectedPort')).toBe(1);
    expect(stat(reporter, 'rowsRefusedByMysql')).toBe(0);
    expect(stat(reporter, 'mysqlUp')).toBe(true);
    expect(stat(reporter, 'batchFailures')).toBe(0);
    const [line, ...more] = logs.matching({ reason: 'port_out_of_range' });
    expect(more).toEqual([]);
    expect(line).toMatchObject({ level: LEVEL.warn, modid: 5, cmdid: 5, ip: 167772163, port: -1 });
    expect(line.msg).toMatch(/row rejected \(port_out_of_range\)/);
    // Later reports of that route (same writer) are written.
    client.send(snapshot(5, 5, 167772161, 80, 9, 0));
    await until(() => stat(reporter, 'rowsWritten') === 4, 'the later report');
    expect(await count()).toBe(3);
    expect(await count('port = 80 AND succ_cnt = 9')).toBe(1);
  });

  it('isolates the rows MySQL itself refuses (a CHECK constraint) by splitting the statement; writes the rest', async () => {
    await db.admin.query('ALTER TABLE ServerCallStatus ADD CONSTRAINT succ_small CHECK (succ_cnt < 1000000)');
    try {
      const { reporter, client, logs } = await startReporter({ writers: 1 });
      // 200 rows in one request, so in one statement; rows 17, 100 and 151 break the constraint.
      const bad = new Set([17, 100, 151]);
      client.send(hosts(6, 6, 200, (i) => (bad.has(i) ? 2_000_000 : i)));
      await until(() => stat(reporter, 'rowsWritten') === 197, 'every other row');
      expect(stat(reporter, 'rowsRefusedByMysql')).toBe(3);
      expect(stat(reporter, 'rowsRejected')).toBe(3);
      expect(await count()).toBe(197);
      expect(await count('succ_cnt >= 1000000')).toBe(0);
      expect(stat(reporter, 'mysqlUp')).toBe(true);
      const [refused] = logs.matching({ msg: 'MySQL refused a row; dropped' });
      expect(refused).toMatchObject({ level: LEVEL.warn, worker: 0, errno: 4025, class: 'row', modid: 6, port: 18 });
      // The writer goes on with the next report.
      client.send(snapshot(6, 6, 167772161, 9999, 1, 0));
      await until(() => stat(reporter, 'rowsWritten') === 198, 'the next report');
    } finally {
      await db.admin.query('ALTER TABLE ServerCallStatus DROP CONSTRAINT succ_small');
    }
  });

  it('reads max_allowed_packet at connect, and cuts statements to the byte budget: every row lands', async () => {
    const [[server]] = await db.admin.query<RowDataPacket[]>('SELECT @@max_allowed_packet AS max');
    const { reporter, client } = await startReporter({ writers: 1, maxStatementBytes: 4096 });
    expect(stat(reporter, 'maxAllowedPacket')).toEqual({ '0': Number(server.max) });
    // Frames of 3000 rows (about 43 KB of SQL each) for one key: each becomes at least 11 statements.
    for (let f = 0; f < 5; f++) client.send(hosts(7, f, 3000));
    await until(() => stat(reporter, 'rowsWritten') === 15_000, 'all 15000 rows');
    expect(await count()).toBe(15_000);
    expect(stat(reporter, 'statementBudget')).toEqual({ '0': 4096 });
    expect(stat(reporter, 'statementSplits')).toBeGreaterThanOrEqual(1);
    expect(stat(reporter, 'batches')).toBeGreaterThanOrEqual(Math.ceil((15_000 * 40) / 4096));
    expect(stat(reporter, 'batchFailures')).toBe(0);

    // Without the option the budget is the server's limit less 1 KiB.
    const { reporter: plain } = await startReporter({ writers: 1 });
    expect(stat(plain, 'maxAllowedPacket')).toEqual({ '0': Number(server.max) });
    expect(stat(plain, 'statementBudget')).toEqual({ '0': Number(server.max) - 1024 });
  });

  it('wrong credentials: each writer logs access denied at start, mysqlUp is false and /readyz names mysql', async () => {
    const { reporter, logs } = await startReporter({ mysql: { password: 'not-the-password' } });
    // start() resolved after every writer's first connect attempt: the lines are already there.
    const down = logs.matching({ code: 'ER_ACCESS_DENIED_ERROR' });
    expect(down.map((l) => l.worker).sort()).toEqual([0, 1]);
    for (const l of down) {
      expect(l).toMatchObject({ level: LEVEL.error, component: 'writer-worker', errno: 1045, class: 'fatal' });
      expect(l.msg).toMatch(/^MySQL connection down: Access denied for user/);
    }
    expect(stat(reporter, 'mysqlUp')).toBe(false);
    expect(reporter.health.ready()).toMatchObject({ ok: false, failing: ['mysql'] });
  });

  it('a lock wait timeout is retried with backoff and order is kept; the connection stays up', async () => {
    const { reporter, client, logs } = await startReporter({ writers: 1, lockWaitTimeoutS: 1 });
    client.send(snapshot(8, 8, 167772161, 80, 1, 0));
    await until(() => stat(reporter, 'rowsWritten') === 1, 'the row exists');
    const holder = await db.admin.getConnection();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT * FROM ServerCallStatus WHERE modid = 8 FOR UPDATE');
      client.send(snapshot(8, 8, 167772161, 80, 2, 0));
      await until(() => logs.matching({ code: 'ER_LOCK_WAIT_TIMEOUT' }).length > 0, 'a lock wait timeout');
      client.send(snapshot(8, 8, 167772161, 80, 3, 0));
      client.send(snapshot(8, 9, 167772161, 80, 4, 0));
      await until(() => stat(reporter, 'requests') === 4, 'every request received');
      expect(stat(reporter, 'mysqlUp')).toBe(true);
      expect(reporter.health.ready()).toMatchObject({ ok: false, failing: ['writes'] });
      expect(stat(reporter, 'rowsWritten')).toBe(1);
    } finally {
      await holder.query('COMMIT');
      holder.release();
    }
    await until(() => stat(reporter, 'rowsWritten') === 4, 'the held rows after the lock is gone');
    const [line] = logs.matching({ code: 'ER_LOCK_WAIT_TIMEOUT' });
    expect(line).toMatchObject({
      msg: 'MySQL write failed; retrying the batch',
      errno: 1205,
      class: 'transient',
      worker: 0,
    });
    // The last snapshot of (8, 8) won: nothing sent later was written before the retried one.
    expect(await count('modid = 8 AND cmdid = 8 AND succ_cnt = 3')).toBe(1);
    expect(await count()).toBe(2);
    expect(stat(reporter, 'batchFailures')).toBeGreaterThanOrEqual(1);
    expect(reporter.health.ready()).toMatchObject({ ok: true });
  });
});
