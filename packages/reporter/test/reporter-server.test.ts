import { connect } from 'node:net';
import { once } from 'node:events';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ReporterServer, type ReporterServerOptions } from '../src/index.js';
import { createTestDatabase, type TestDatabase } from '../../../test-support/db.js';
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

async function startReporter(options: ReporterServerOptions = {}): Promise<{ reporter: ReporterServer; port: number }> {
  const reporter = new ReporterServer({
    port: 0,
    mysql: { host: db.host, port: db.port, user: db.user, password: db.password, database: db.name },
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

async function rows(where = '1 = 1'): Promise<RowDataPacket[]> {
  const [r] = await db.admin.query<RowDataPacket[]>(
    `SELECT modid, cmdid, ip, port, caller, succ_cnt, err_cnt, ts, overload FROM ServerCallStatus WHERE ${where} ORDER BY modid, cmdid, ip, port`,
  );
  return r;
}

const written = (r: ReporterServer) => r.stats().rowsWritten as number;

describe('ReporterServer', () => {
  it('inserts rows and updates them in place with later snapshots; IPs of 128.0.0.0 and up are stored unsigned', async () => {
    const { reporter, port } = await startReporter();
    const c = await client(port);
    c.send({
      modid: 1,
      cmdid: 2,
      caller: 3232235953,
      ts: 1_700_000_000,
      results: [
        { ip: 3232235953, port: 7777, succ: 10, err: 2, overload: false },
        { ip: 4294967295, port: 7776, succ: 0, err: 5, overload: true },
      ],
    });
    await until(() => written(reporter) === 2, 'two rows written');
    expect(await rows()).toEqual([
      {
        modid: 1,
        cmdid: 2,
        ip: 3232235953,
        port: 7777,
        caller: 3232235953,
        succ_cnt: 10,
        err_cnt: 2,
        ts: 1_700_000_000,
        overload: '0',
      },
      {
        modid: 1,
        cmdid: 2,
        ip: 4294967295,
        port: 7776,
        caller: 3232235953,
        succ_cnt: 0,
        err_cnt: 5,
        ts: 1_700_000_000,
        overload: '1',
      },
    ]);

    c.send({ ...snapshot(1, 2, 3232235953, 7777, 3, 9, true, 1_700_000_001), caller: 3232235953 });
    await until(() => written(reporter) === 3, 'the update written');
    const after = await rows();
    expect(after).toHaveLength(2);
    expect(after[0]).toMatchObject({ ip: 3232235953, succ_cnt: 3, err_cnt: 9, ts: 1_700_000_001, overload: '1' });
    expect(after[1]).toMatchObject({ ip: 4294967295, succ_cnt: 0, err_cnt: 5 });
  });

  it('ends thousands of back-to-back snapshots of one key with the last one in the table', async () => {
    const { reporter, port } = await startReporter({ batchRecords: 64 });
    const c = await client(port);
    const n = 5000;
    for (let i = 1; i <= n; i++) c.send(snapshot(7, 7, 167772161, 80, i, n - i, i % 2 === 0, 1_700_000_000 + i));
    await until(() => written(reporter) === n, `${n} rows written`);
    expect(await rows()).toEqual([
      {
        modid: 7,
        cmdid: 7,
        ip: 167772161,
        port: 80,
        caller: 2130706433,
        succ_cnt: n,
        err_cnt: 0,
        ts: 1_700_000_000 + n,
        overload: '1',
      },
    ]);
    expect(reporter.stats().batches as number).toBeGreaterThan(1);
    expect(reporter.stats().drops).toBe(0);
  });

  it('spreads keys over every writer, and the same key always goes to the same writer', async () => {
    const { reporter, port } = await startReporter({ writers: 3 });
    const c = await client(port);
    const owners = new Set<number>();
    for (let modid = 1; modid <= 60; modid++) {
      const w = reporter.writerFor(modid, 1);
      owners.add(w);
      for (let k = 0; k < 5; k++) expect(reporter.writerFor(modid, 1)).toBe(w);
      c.send(snapshot(modid, 1, 167772161, 80, modid, 0));
    }
    expect([...owners].sort()).toEqual([0, 1, 2]);
    await until(() => written(reporter) === 60, '60 rows written');
    const perWriter = reporter.stats().writerRows as Record<string, number>;
    for (const w of ['0', '1', '2']) {
      const expected = Array.from({ length: 60 }, (_, i) => i + 1).filter(
        (m) => reporter.writerFor(m, 1) === Number(w),
      ).length;
      expect(perWriter[w]).toBe(expected);
    }
    expect((await rows()).map((r) => r.succ_cnt)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
  });

  it('close() stops accepting and writes everything that was queued', async () => {
    const { reporter, port } = await startReporter({ writers: 2, batchRecords: 8 });
    const c = await client(port);
    const n = 3000;
    for (let i = 0; i < n; i++) c.send(snapshot(100 + (i % 50), 1, 167772161 + i, 80, i, 0));
    await until(() => reporter.stats().requests === n, 'every request received');
    await reporter.close();
    const [[{ count }]] = (await db.admin.query('SELECT COUNT(*) AS count FROM ServerCallStatus')) as unknown as [
      [{ count: number }],
    ];
    expect(count).toBe(n);
    const refused = connect(port, '127.0.0.1');
    refused.on('error', () => undefined);
    const [err] = (await once(refused, 'error')) as [NodeJS.ErrnoException];
    expect(err.code).toBe('ECONNREFUSED');
  });

  it('cuts off a peer sending malformed frames without disturbing the others', async () => {
    const { reporter, port } = await startReporter();
    const good = await client(port);
    const bad = connect(port, '127.0.0.1');
    await once(bad, 'connect');
    bad.on('error', () => undefined);
    bad.write(Buffer.from('0300000003000000ffffff', 'hex')); // undecodable body: dropped, counted, connection kept
    bad.write(Buffer.from('03000000ffffffff', 'hex')); // msglen -1: connection closed
    await once(bad, 'close');
    good.send(snapshot(9, 9, 1, 1, 1, 1));
    await until(() => written(reporter) === 1, 'the good row written');
    expect(reporter.stats()).toMatchObject({ badBody: 1, badFrames: 1, requests: 1 });
  });
});
