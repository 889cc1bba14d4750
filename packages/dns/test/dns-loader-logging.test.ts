// The DNS's loader thread logs through its own worker logger, written by the
// DNS's logger's destination.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DnsServer } from '../src/index.js';
import { createTestDatabase, type TestDatabase } from '../../../test-support/db.js';
import { captureLogs, LEVEL } from '../../../test-support/log-capture.js';
import { until } from '../../../test-support/wait.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());

describe('DNS loader logging', () => {
  it('a failing round is logged by the loader with the MySQL code; each load at debug', async () => {
    const logs = captureLogs({ level: 'debug' });
    const dns = new DnsServer({
      port: 0,
      checkIntervalMs: 20,
      reloadIntervalMs: 60_000,
      backoff: { initialMs: 20, maxMs: 50 },
      mysql: { host: db.host, port: db.port, user: db.user, password: db.password, database: db.name },
      logger: logs.logger,
    });
    try {
      await dns.start();
      await until(() => logs.matching({ msg: 'route table built' }).length > 0, 'the first load logged');
      expect(logs.matching({ msg: 'route table built' })[0]).toMatchObject({
        level: LEVEL.debug,
        name: 'lars-test',
        component: 'route-loader-worker',
        routes: 0,
      });

      // This test's own database: nothing else needs the table back.
      await db.admin.query('RENAME TABLE RouteVersion TO RouteVersion_away');
      const failed = { msg: 'route load round failed' };
      await until(() => logs.matching(failed).length > 0, 'a failed round logged');
      expect(logs.matching(failed)[0]).toMatchObject({
        level: LEVEL.warn,
        component: 'route-loader-worker',
        code: 'ER_NO_SUCH_TABLE',
        errno: 1146,
        suppressed: 0,
      });
      expect(logs.matching(failed)[0].err).toMatch(/RouteVersion/);
    } finally {
      await dns.close();
    }
  });
});
