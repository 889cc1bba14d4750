// The reporter as run_lars.sh runs it, against a database whose migrations
// need a newer daemon: it exits 1 with a message naming both versions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPackageVersion, SCHEMA_VERSION_TABLE } from '@lars/store';
import { createTestDatabase, type TestDatabase } from '../../../test-support/db.js';
import { mysqlSection, startDaemonProcess } from '../../../test-support/daemon-process.js';

const VERSION = readPackageVersion(new URL('../package.json', import.meta.url));

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
  await db.admin.query(
    `INSERT INTO ${SCHEMA_VERSION_TABLE} (version, name, checksum, min_daemon_version, applied_at, applied_by)
     VALUES (99, '0099-future', ?, '99.0.0', UTC_TIMESTAMP(3), 'test')`,
    ['c'.repeat(64)],
  );
});
afterAll(() => db.drop());

describe('reporter main against a schema too new for it', () => {
  it('exits 1 naming its version and the one the schema needs', async () => {
    const reporter = startDaemonProcess(
      'packages/reporter/src/main.ts',
      `[reactor]\nport = 0\n${mysqlSection(db)}[reporter]\ndb_thread_cnt = 1\n[stats]\nport = 0\n`,
    );
    expect(await reporter.exited()).toBe(1);
    expect(reporter.output()).toContain(`lars-reporter ${VERSION} is older than 99.0.0`);
    expect(reporter.output()).toContain('LARS_SCHEMA_TOO_NEW');
  });
});
