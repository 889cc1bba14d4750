// Issue 11 item 2: SIGTERM keeps what peers already sent. A sender writes N
// rows and waits until its socket has handed them all to the kernel, then
// the reporter (a child process, as run_lars.sh runs it) gets SIGTERM: it
// reads what is still buffered, writes it, and exits; all N are in MySQL.
// And a writer stuck past the close deadline logs how many rows it lost.
import { connect } from 'node:net';
import { once } from 'node:events';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeBody, MessageId } from '@lars/proto';
import { encodeFrame } from '@lars/wire';
import { ReporterServer } from '../src/index.js';
import { createTestDatabase, type TestDatabase } from '../../../test-support/db.js';
import { mysqlSection, startDaemonProcess } from '../../../test-support/daemon-process.js';
import { captureLogs, LEVEL } from '../../../test-support/log-capture.js';
import { freePort } from '../../../test-support/ports.js';
import { until } from '../../../test-support/wait.js';
import { ReportClient, snapshot } from './report-client.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());

async function count(where = '1 = 1'): Promise<number> {
  const [[row]] = await db.admin.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM ServerCallStatus WHERE ${where}`);
  return Number(row.n);
}

const FRAMES = 120;
const ROWS_PER_FRAME = 2000;

/** FRAMES ReportStatusRequest frames of ROWS_PER_FRAME distinct hosts each, over 8 routes. */
function flood(): Buffer {
  const frames: Buffer[] = [];
  for (let f = 0; f < FRAMES; f++) {
    const results = Array.from({ length: ROWS_PER_FRAME }, (_, i) => ({
      ip: 167772161 + f * ROWS_PER_FRAME + i,
      port: 80,
      succ: i,
      err: 1,
      overload: false,
    }));
    const body = encodeBody(MessageId.ReportStatusRequest, {
      modid: 1 + (f % 8),
      cmdid: 1,
      caller: 2130706433,
      ts: 1_700_000_000,
      results,
    });
    frames.push(encodeFrame(MessageId.ReportStatusRequest, body));
  }
  return Buffer.concat(frames);
}

describe('reporter close', () => {
  it('SIGTERM after a sender handed N rows to its socket: all N are in MySQL', async () => {
    await db.admin.query('DELETE FROM ServerCallStatus');
    const [port, statsPort] = [await freePort(), await freePort()];
    // One-request batches keep the writers behind the network thread.
    const reporter = startDaemonProcess(
      'packages/reporter/src/main.ts',
      `[reactor]\nport = ${port}\n${mysqlSection(db)}[reporter]\ndb_thread_cnt = 2\nbatch_size = 1\nqueue_bytes = 16777216\n[stats]\nport = ${statsPort}\n`,
    );
    try {
      await reporter.waitForOutput('reporter serving', 'stats endpoint listening');
      const data = flood();
      const sender = connect(port, '127.0.0.1');
      await once(sender, 'connect');
      // Accepted by the reporter (not only in the kernel's backlog) before anything is sent.
      const stats = async () =>
        (await (await fetch(`http://127.0.0.1:${statsPort}/stats`)).json()) as Record<string, unknown>;
      await until(async () => (await stats()).connections === 1, 'the connection accepted');
      // The callback runs once every byte is in the kernel's buffers (sent or not yet read).
      await new Promise<void>((resolve, reject) => sender.write(data, (err) => (err ? reject(err) : resolve())));
      expect(await reporter.stop('SIGTERM')).toBe(0);
      sender.destroy();
      expect(await count()).toBe(FRAMES * ROWS_PER_FRAME);
    } finally {
      await reporter.stop('SIGKILL');
    }
  });

  it('a writer stuck past the close deadline: close() returns, and the rows it could not write are counted and logged', async () => {
    await db.admin.query('DELETE FROM ServerCallStatus');
    const logs = captureLogs();
    const reporter = new ReporterServer({
      port: 0,
      writers: 1,
      batchRecords: 1,
      closeTimeoutMs: 300,
      defaultMetrics: false,
      mysql: { host: db.host, port: db.port, user: db.user, password: db.password, database: db.name },
      logger: logs.logger,
    });
    const { port } = await reporter.start();
    const client = await ReportClient.connect(port);
    const holder = await db.admin.getConnection();
    try {
      client.send(snapshot(4, 4, 167772161, 80, 1, 0));
      await until(() => reporter.stats().rowsWritten === 1, 'the row exists');
      // Hold its row lock: the writer's next upsert waits (the server's lock wait timeout, 50 s by default).
      await holder.query('BEGIN');
      await holder.query('SELECT * FROM ServerCallStatus WHERE modid = 4 FOR UPDATE');
      client.send(snapshot(4, 4, 167772161, 80, 2, 0));
      for (let i = 0; i < 4; i++)
        client.send({
          modid: 4,
          cmdid: 4,
          caller: 2130706433,
          ts: 1_700_000_000,
          results: [1, 2, 3].map((k) => ({ ip: 167772200 + i * 3 + k, port: 80, succ: 1, err: 0, overload: false })),
        });
      await until(() => reporter.stats().requests === 6, 'every request received');
      await client.close();
      await reporter.close();
    } finally {
      await holder.query('ROLLBACK');
      holder.release();
    }
    // The stuck statement's row and the 12 queued behind it.
    expect(reporter.stats().rowsUnwritten).toBe(13);
    const [writerLine] = logs.matching({
      msg: 'rows not written by the close deadline; dropped',
      component: 'writer-worker',
    });
    expect(writerLine).toMatchObject({ level: LEVEL.error, worker: 0, rows: 13 });
    const [line] = logs.matching({ msg: 'rows not written by the close deadline; dropped', component: 'reporter' });
    expect(line).toMatchObject({ level: LEVEL.error, rowsUnwritten: 13, closeTimeoutMs: 300 });
    expect(reporter.stats().rowsWritten).toBe(1);
    // The writer gave up by itself; the pool did not have to terminate it.
    expect(logs.matching({ msg: 'worker did not exit after close; terminating' })).toEqual([]);
  });
});
