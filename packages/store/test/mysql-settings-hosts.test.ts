// `[mysql] db_hosts`: the list of addresses a daemon or tool fails over
// across, as the config file spells it, and which addresses the settings
// finally mean. Configs are read from texts in memory.
import { describe, expect, it } from 'vitest';
import { Config } from '@lars/reactor';
import {
  describeMysql,
  MYSQL_DEFAULTS,
  mysqlAddresses,
  mysqlSettingsFromConfig,
  parseMysqlAddress,
} from '../src/index.js';
import { badConfigError } from '../../../test-support/config-checks.js';

const FILE = 'conf/lars_dns.conf';
const RANGE = 'allowed host:port, host:port, ... (one or more; a port 1..65535; IPv6 as [addr]:port)';

function settings(mysql: string, env: Record<string, string> = {}) {
  return mysqlSettingsFromConfig(new Config(`[mysql]\n${mysql}\n`, { source: FILE, env }));
}

/** The error message of reading `mysql`, which must be LARS_BAD_CONFIG. */
function refusal(mysql: string, env: Record<string, string> = {}): string {
  return badConfigError(() => settings(mysql, env)).message;
}

describe('db_hosts parsing', () => {
  it('reads host:port items in order, spaces around the commas trimmed', () => {
    expect(settings('db_hosts = 10.0.0.1:3311,  db-2.example.com:3312 ,10.0.0.3:3313').hosts).toEqual([
      { host: '10.0.0.1', port: 3311 },
      { host: 'db-2.example.com', port: 3312 },
      { host: '10.0.0.3', port: 3313 },
    ]);
  });

  it('reads an IPv6 address in brackets, without them', () => {
    expect(settings('db_hosts = [::1]:3306, [fe80::1]:3307').hosts).toEqual([
      { host: '::1', port: 3306 },
      { host: 'fe80::1', port: 3307 },
    ]);
  });

  it('keeps the zone id of a link-local IPv6 address', () => {
    expect(settings('db_hosts = [fe80::1%eth0]:3306, [fe80::2%2]:3307').hosts).toEqual([
      { host: 'fe80::1%eth0', port: 3306 },
      { host: 'fe80::2%2', port: 3307 },
    ]);
  });

  it('takes an IPv4 address in brackets too', () => {
    expect(settings('db_hosts = [10.0.0.1]:3306').hosts).toEqual([{ host: '10.0.0.1', port: 3306 }]);
  });

  it('takes one address as a list of one', () => {
    expect(settings('db_hosts = 127.0.0.1:3306').hosts).toEqual([{ host: '127.0.0.1', port: 3306 }]);
  });

  it.each([
    ['db1', '"db1" is not host:port (an IPv6 address as [addr]:port)'],
    ['::1:3306', '"::1:3306" is not host:port (an IPv6 address as [addr]:port)'],
    ['db1:', '"db1:" is not host:port (an IPv6 address as [addr]:port)'],
    ['db1:33o6', '"db1:33o6" is not host:port (an IPv6 address as [addr]:port)'],
    ['db 1:3306', '"db 1:3306" has no valid IP address or host name'],
    ['[db-1]:3306', '"[db-1]:3306" has no valid IP address or host name'],
    ['[1::2::3]:3306', '"[1::2::3]:3306" has no valid IP address or host name'],
    ['[fe80::1%]:3306', '"[fe80::1%]:3306" has no valid IP address or host name'],
    ['db%1:3306', '"db%1:3306" has no valid IP address or host name'],
    ['db1:0', '"db1:0" has a port outside 1..65535'],
    ['db1:65536', '"db1:65536" has a port outside 1..65535'],
  ])('refuses %s, naming the file, the key, the whole value, the bad item and the range', (item, why) => {
    const value = `10.0.0.1:3306, ${item}`;
    expect(refusal(`db_hosts = ${value}`)).toBe(
      `${FILE}: [mysql] db_hosts = ${value} is out of range (${why}): ${RANGE}`,
    );
  });

  it.each([
    ['nothing', ''],
    ['only commas', ', ,'],
  ])('refuses an empty list (%s): db_hosts needs an address', (_name, value) => {
    expect(refusal(`db_hosts = ${value}`)).toBe(`${FILE}: [mysql] db_hosts = ${value} is out of range: ${RANGE}`);
  });

  it('names the environment variable when the list comes from there', () => {
    expect(refusal('', { LARS_MYSQL_DB_HOSTS: 'db1' })).toMatch(
      /^environment LARS_MYSQL_DB_HOSTS \(overriding .+\): \[mysql\] db_hosts = db1 is out of range/,
    );
  });

  it('parseMysqlAddress returns the item or why not, for other callers of the same syntax', () => {
    expect(parseMysqlAddress('h:1')).toEqual({ item: { host: 'h', port: 1 } });
    expect(parseMysqlAddress('[::1]:65535')).toEqual({ item: { host: '::1', port: 65535 } });
    expect(parseMysqlAddress('h')).toEqual({ why: 'is not host:port (an IPv6 address as [addr]:port)' });
  });
});

describe('db_hosts with db_host or db_port', () => {
  it.each([
    ['db_host', 'db_host = 10.0.0.9'],
    ['db_port', 'db_port = 3307'],
  ])('refuses db_hosts together with %s, naming both keys and their values', (_key, line) => {
    expect(refusal(`db_hosts = 10.0.0.1:3311, 10.0.0.2:3312\n${line}`)).toBe(
      `${FILE}: [mysql] db_hosts = 10.0.0.1:3311, 10.0.0.2:3312 and [mysql] ${line}: ` +
        'set either db_hosts (every address) or db_host and db_port (one), not both',
    );
  });

  it('names where each came from when one is in the environment and one in the file', () => {
    expect(refusal('db_host = 10.0.0.9', { LARS_MYSQL_DB_HOSTS: '10.0.0.1:3311' })).toMatch(
      /^environment LARS_MYSQL_DB_HOSTS \(overriding .+\): \[mysql\] db_hosts = 10\.0\.0\.1:3311 and conf\/lars_dns\.conf: \[mysql\] db_host = 10\.0\.0\.9: set either/,
    );
  });

  it('still reads db_host and db_port alone, as before', () => {
    const s = settings('db_host = 10.0.0.9\ndb_port = 3307');
    expect(s).toMatchObject({ host: '10.0.0.9', port: 3307 });
    expect(s.hosts).toBeUndefined();
  });
});

describe('mysqlAddresses', () => {
  it('is db_hosts when set', () => {
    const s = settings('db_hosts = 10.0.0.1:3311, [::1]:3312');
    expect(mysqlAddresses(s)).toEqual([
      { host: '10.0.0.1', port: 3311 },
      { host: '::1', port: 3312 },
    ]);
    expect(describeMysql(s)).toBe('lars@10.0.0.1:3311,[::1]:3312/lars_dns');
  });

  it('is db_host:db_port when db_hosts is unset, or the defaults when neither is', () => {
    expect(mysqlAddresses(settings('db_host = 10.0.0.9\ndb_port = 3307'))).toEqual([{ host: '10.0.0.9', port: 3307 }]);
    expect(mysqlAddresses(settings(''))).toEqual([{ host: MYSQL_DEFAULTS.host, port: MYSQL_DEFAULTS.port }]);
  });

  it('falls back to host:port for settings built in code with an empty list', () => {
    expect(mysqlAddresses({ ...MYSQL_DEFAULTS, host: 'h', port: 1, hosts: [] })).toEqual([{ host: 'h', port: 1 }]);
  });
});
