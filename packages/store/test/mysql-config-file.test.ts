// Where a tool (`route`, `db migrate`) finds MySQL: its LARS_MYSQL_* variables
// and the [mysql] values are checked by the same rules as the daemons'.
import { describe, expect, it } from 'vitest';
import { findMysqlConfig } from '../src/mysql-config-file.js';
import { mysqlSettingsFromConfig } from '../src/mysql-settings.js';
import { badConfigError } from '../../../test-support/config-checks.js';

describe('findMysqlConfig', () => {
  it('takes the LARS_MYSQL_* keys over the file, and the admin variables are not keys', () => {
    const found = findMysqlConfig(undefined, {
      LARS_MYSQL_DB_PORT: '3307',
      LARS_MYSQL_ADMIN_USER: 'root',
      LARS_MYSQL_ADMIN_PASSWD: 'x',
    });
    expect(mysqlSettingsFromConfig(found.config).port).toBe(3307);
    expect(found.from).toContain('overridden by LARS_MYSQL_DB_PORT');
  });

  it('rejects a misspelt LARS_MYSQL_ variable, naming the nearest', () => {
    expect(badConfigError(() => findMysqlConfig(undefined, { LARS_MYSQL_DB_PROT: '1' })).message).toBe(
      'environment LARS_MYSQL_DB_PROT: there is no [mysql] key of that name; the nearest is LARS_MYSQL_DB_PORT',
    );
  });

  it('rejects a value out of range as the daemons do', () => {
    expect(badConfigError(() => findMysqlConfig(undefined, { LARS_MYSQL_DB_PORT: '-5' })).message).toMatch(
      /^environment LARS_MYSQL_DB_PORT \(overriding .+\): \[mysql\] db_port = -5 is out of range: allowed a port 1\.\.65535$/,
    );
  });
});
