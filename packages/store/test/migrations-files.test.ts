import { describe, expect, it } from 'vitest';
import { ErrorCode } from '@lars/wire';
import { checkMigrationSequence, compareSemver, parseMigration, pendingMigrations } from '../src/index.js';

const FILE = `-- A test migration.
-- lars:min_daemon_version 0.3.0

CREATE TABLE IF NOT EXISTS T (
  id INT NOT NULL,
  PRIMARY KEY (id)
);

-- lars:count rows_fixed
UPDATE T SET id = id + 1
  WHERE id < 0;
ALTER TABLE T ADD COLUMN IF NOT EXISTS x INT NULL;
`;

describe('parseMigration', () => {
  it('splits statements at a line ending in ;, keeps their lines and counts, reads the directives', () => {
    const m = parseMigration('0002-add-x.sql', FILE);
    expect(m).toMatchObject({ version: 2, name: '0002-add-x', minDaemonVersion: '0.3.0' });
    expect(m.checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(m.statements).toEqual([
      { sql: 'CREATE TABLE IF NOT EXISTS T (\n  id INT NOT NULL,\n  PRIMARY KEY (id)\n)', line: 4 },
      { sql: 'UPDATE T SET id = id + 1\n  WHERE id < 0', line: 10, count: 'rows_fixed' },
      { sql: 'ALTER TABLE T ADD COLUMN IF NOT EXISTS x INT NULL', line: 12 },
    ]);
  });

  it('gives another text another checksum', () => {
    expect(parseMigration('0002-add-x.sql', `${FILE}\n`).checksum).not.toBe(
      parseMigration('0002-add-x.sql', FILE).checksum,
    );
  });

  it.each([
    ['2-x.sql', FILE, 'NNNN-name.sql'],
    ['0002-Bad_Name.sql', FILE, 'NNNN-name.sql'],
    ['0002-x.sql', 'SELECT 1;\n', 'missing -- lars:min_daemon_version'],
    ['0002-x.sql', '-- lars:min_daemon_version 1.0\nSELECT 1;\n', "'1.0' is not MAJOR.MINOR.PATCH"],
    ['0002-x.sql', '-- lars:min_daemon_version 1.0.0\n-- lars:min_daemon_version 1.0.0\nSELECT 1;\n', 'given twice'],
    ['0002-x.sql', '-- lars:min_daemon_version 1.0.0\nSELECT 1\n', 'line 2: statement does not end with ;'],
    [
      '0002-x.sql',
      '-- lars:min_daemon_version 1.0.0\n-- lars:frobnicate\nSELECT 1;\n',
      'unknown directive lars:frobnicate',
    ],
    ['0002-x.sql', '-- lars:min_daemon_version 1.0.0\nSELECT 1;\n-- lars:count left_over\n', 'before no statement'],
    ['0002-x.sql', '-- lars:min_daemon_version 1.0.0\n', 'no statements'],
  ])('rejects %s with %j naming the problem', (name, text, message) => {
    expect(() => parseMigration(name, text)).toThrow(expect.objectContaining({ code: ErrorCode.BAD_MIGRATION }));
    expect(() => parseMigration(name, text)).toThrow(message);
  });
});

describe('migration sequence and pending set', () => {
  const m1 = parseMigration('0001-a.sql', '-- lars:min_daemon_version 0.0.0\nSELECT 1;\n');
  const m2 = parseMigration('0002-b.sql', '-- lars:min_daemon_version 0.0.0\nSELECT 2;\n');
  const row = (m: typeof m1, checksum = m.checksum) => ({ version: m.version, name: m.name, checksum });

  it('wants versions 1, 2, 3 ... with no gap', () => {
    expect(() => checkMigrationSequence([m1, m2])).not.toThrow();
    expect(() => checkMigrationSequence([m2])).toThrow('expected version 0001');
    expect(() => checkMigrationSequence([m1, m1])).toThrow('expected version 0002');
  });

  it('pends what is not recorded, and nothing when the database is ahead', () => {
    expect(pendingMigrations([m1, m2], []).map((m) => m.name)).toEqual(['0001-a', '0002-b']);
    expect(pendingMigrations([m1, m2], [row(m1)]).map((m) => m.name)).toEqual(['0002-b']);
    expect(pendingMigrations([m1], [row(m1), row(m2)])).toEqual([]);
  });

  it('refuses a changed file and a hole in the record', () => {
    expect(() => pendingMigrations([m1, m2], [row(m1, 'f'.repeat(64))])).toThrow('must not change');
    expect(() => pendingMigrations([m1, m2], [row(m2)])).toThrow('0001-a is not recorded');
  });
});

describe('compareSemver', () => {
  it.each([
    ['0.2.0', '0.2.0', 0],
    ['0.2.0', '0.10.0', -1],
    ['1.0.0', '0.99.99', 1],
    ['1.0.0-rc.1', '1.0.0', -1],
    ['1.0.0', '1.0.0-rc.1', 1],
    ['1.0.0-rc.1', '1.0.0-rc.2', -1],
  ])('%s vs %s', (a, b, sign) => {
    expect(Math.sign(compareSemver(a, b))).toBe(sign);
  });

  it('rejects a version that is not MAJOR.MINOR.PATCH', () => {
    expect(() => compareSemver('1.2', '1.2.0')).toThrow("invalid version '1.2'");
  });
});
