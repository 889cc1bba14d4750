// What the reporter logs: its writers' MySQL errors (from the writer threads,
// through the daemon's logger), and a bad LARS_LOG_LEVEL at start.
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReporterServer } from '../src/index.js';
import { createTestDatabase, type TestDatabase } from '../../../test-support/db.js';
import { mysqlSection, startDaemonProcess } from '../../../test-support/daemon-process.js';
import { captureLogs, LEVEL } from '../../../test-support/log-capture.js';
import { until } from '../../../test-support/wait.js';
import { ReportClient, snapshot } from './report-client.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());

const stat = (r: ReporterServer, key: string): number => Number((r.stats() as unknown as Record<string, unknown>)[key]);

describe('reporter logging', () => {
  it('a writer logs each MySQL error it hits (code, errno, message, its index), throttled, and when writes work again', async () => {
    const logs = captureLogs();
    const reporter = new ReporterServer({
      port: 0,
      writers: 2,
      mysql: { host: db.host, port: db.port, user: db.user, password: db.password, database: db.name },
      backoff: { initialMs: 5, maxMs: 20, factor: 2, jitter: 0 },
      warnIntervalMs: 3_600_000,
      logger: logs.logger,
    });
    const failed = { msg: 'MySQL write failed; retrying the batch' };
    let client: ReportClient | null = null;
    try {
      const { port } = await reporter.start();
      // The table the writers upsert into is gone: every write fails with ER_NO_SUCH_TABLE until it is back.
      await db.admin.query('RENAME TABLE ServerCallStatus TO ServerCallStatus_away');
      client = await ReportClient.connect(port);
      client.send(snapshot(3, 4, 167772161, 80, 10, 1));
      await until(() => stat(reporter, 'batchFailures') >= 3, 'three failed attempts');
      await until(() => logs.matching(failed).length > 0, 'the failure logged');
      const [line] = logs.matching(failed);
      expect(line).toMatchObject({
        level: LEVEL.error,
        name: 'lars-test',
        component: 'writer-worker',
        worker: reporter.writerFor(3, 4),
        code: 'ER_NO_SUCH_TABLE',
        errno: 1146,
        sqlState: '42S02',
        class: 'fatal',
        rows: 1,
        suppressed: 0,
      });
      expect(line.err).toMatch(/ServerCallStatus/);

      await db.admin.query('RENAME TABLE ServerCallStatus_away TO ServerCallStatus');
      await until(() => stat(reporter, 'rowsWritten') === 1, 'the batch written once the table is back');
      await until(() => logs.matching({ msg: 'MySQL write succeeded again' }).length === 1, 'the recovery logged');
      const [back] = logs.matching({ msg: 'MySQL write succeeded again' });
      expect(back).toMatchObject({ level: LEVEL.info, component: 'writer-worker', worker: line.worker, rows: 1 });
      expect(back.failures).toBeGreaterThanOrEqual(3);
    } finally {
      await client?.close();
      await reporter.close();
    }
    // Every failure was counted, one line said so (the others fell within warnIntervalMs).
    expect(logs.matching(failed)).toHaveLength(1);
    expect(stat(reporter, 'batchFailures')).toBeGreaterThanOrEqual(3);
    // The password is never written, whatever logged the settings.
    for (const l of logs.lines) expect(JSON.stringify(l)).not.toMatch(new RegExp(`"password":"${db.password}"`));
  });

  it('LARS_LOG_LEVEL=bogus: one line naming the levels allowed, exit 1', async () => {
    const daemon = startDaemonProcess('packages/reporter/src/main.ts', `[reactor]\nport = 0\n${mysqlSection(db)}`, {
      LARS_LOG_LEVEL: 'bogus',
    });
    expect(await daemon.exited()).toBe(1);
    // The exit can be seen before the last output is read: wait for both streams' end.
    const { stdout, stderr } = daemon.child;
    await Promise.all([stdout, stderr].map((s) => (s === null || s.readableEnded ? undefined : once(s, 'end'))));
    expect(daemon.output()).toBe(
      'lars-reporter: cannot set up logging: LARS_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "bogus"\n',
    );
  });
});
