// The rolling-upgrade rule at DNS start: a database whose migrations need a
// newer daemon stops it with both versions named; a database from before the
// migrations (no SchemaVersion table) only gets a warning.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, silentLogger, type Logger } from '@lars/reactor';
import { readPackageVersion, SCHEMA_VERSION_TABLE } from '@lars/store';
import { ErrorCode } from '@lars/wire';
import { DnsServer } from '../src/index.js';
import { createTestDatabase, type TestDatabase } from '../../../test-support/db.js';

const VERSION = readPackageVersion(new URL('../package.json', import.meta.url));

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());

const dnsFor = (logger: Logger = silentLogger()) =>
  new DnsServer({
    port: 0,
    logger,
    mysql: { host: db.host, port: db.port, user: db.user, password: db.password, database: db.name },
  });

describe('DnsServer start and the schema version', () => {
  it('refuses to start below the highest recorded min_daemon_version, naming both versions', async () => {
    await db.admin.query(
      `INSERT INTO ${SCHEMA_VERSION_TABLE} (version, name, checksum, min_daemon_version, applied_at, applied_by)
       VALUES (99, '0099-future', ?, '99.0.0', UTC_TIMESTAMP(3), 'test')`,
      ['c'.repeat(64)],
    );
    const dns = dnsFor();
    try {
      await expect(dns.start()).rejects.toMatchObject({
        code: ErrorCode.SCHEMA_TOO_NEW,
        message: expect.stringContaining(`lars-dns ${VERSION} is older than 99.0.0`),
      });
    } finally {
      await dns.close();
      await db.admin.query(`DELETE FROM ${SCHEMA_VERSION_TABLE} WHERE version = 99`);
    }
  });

  it('starts on a database without the version table, with a warning', async () => {
    await db.admin.query(`DROP TABLE ${SCHEMA_VERSION_TABLE}`);
    const dir = await mkdtemp(join(tmpdir(), 'lars-dns-log-'));
    const file = join(dir, 'dns.log');
    const dns = dnsFor(createLogger({ file, level: 'info', env: {} }));
    try {
      await dns.start();
      const lines = (await readFile(file, 'utf8'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(lines).toContainEqual(
        expect.objectContaining({ level: 40, msg: expect.stringContaining('run ./run_lars.sh db migrate') }),
      );
    } finally {
      await dns.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
