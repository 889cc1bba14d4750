import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Config } from '../src/config.js';
import { LarsError } from '@lars/wire';

const TEXT = `
; a comment
[reactor]
ip = 127.0.0.1
port = 7778
maxConn = 1024

[loadbalance]
succ_rate = 0.92
err_rate=.1
probe_num = -3
on1 = true
on2 = yes
on3 = 1
on4 = ON
off1 = false
off2 = no
off3 = 0
off4 = Off
bad_bool = maybe
bad_int = 12abc
float_as_int = 1.5

[dnsserver]
addrs = 127.0.0.1:7778, 10.0.0.1:7778 ,,
`;

const dir = mkdtempSync(join(tmpdir(), 'lars-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Config', () => {
  const config = new Config(TEXT, { source: 'conf/test.conf', env: {} });

  it('reads strings, integers, floats and lists, with defaults for missing keys', () => {
    expect(config.getString('reactor', 'ip', 'x')).toBe('127.0.0.1');
    expect(config.getString('reactor', 'missing', 'dflt')).toBe('dflt');
    expect(config.getString('nosection', 'ip', 'dflt')).toBe('dflt');
    expect(config.getNumber('reactor', 'port', 0)).toBe(7778);
    expect(config.getNumber('loadbalance', 'probe_num', 0)).toBe(-3);
    expect(config.getNumber('reactor', 'missing', 42)).toBe(42);
    expect(config.getFloat('loadbalance', 'succ_rate', 0)).toBe(0.92);
    expect(config.getFloat('loadbalance', 'err_rate', 0)).toBe(0.1);
    expect(config.getFloat('reactor', 'port', 0)).toBe(7778);
    expect(config.getStringList('dnsserver', 'addrs', [])).toEqual(['127.0.0.1:7778', '10.0.0.1:7778']);
    expect(config.getStringList('dnsserver', 'missing', ['a'])).toEqual(['a']);
    expect(config.has('reactor', 'port')).toBe(true);
    expect(config.has('reactor', 'nope')).toBe(false);
  });

  it('reads booleans, false/no/0/off as false', () => {
    for (const key of ['on1', 'on2', 'on3', 'on4']) expect(config.getBool('loadbalance', key, false)).toBe(true);
    for (const key of ['off1', 'off2', 'off3', 'off4']) expect(config.getBool('loadbalance', key, true)).toBe(false);
    expect(config.getBool('loadbalance', 'missing', true)).toBe(true);
  });

  it('fails on a malformed value with a message naming file, section and key', () => {
    const cases: Array<[() => unknown, string]> = [
      [() => config.getNumber('loadbalance', 'bad_int', 0), '[loadbalance] bad_int'],
      [() => config.getNumber('loadbalance', 'float_as_int', 0), '[loadbalance] float_as_int'],
      [() => config.getFloat('loadbalance', 'bad_int', 0), '[loadbalance] bad_int'],
      [() => config.getBool('loadbalance', 'bad_bool', false), '[loadbalance] bad_bool'],
    ];
    for (const [get, where] of cases) {
      let err: unknown;
      try {
        get();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(LarsError);
      expect((err as LarsError).code).toBe('LARS_BAD_CONFIG');
      expect((err as Error).message).toContain('conf/test.conf');
      expect((err as Error).message).toContain(where);
    }
  });

  it('lets LARS_<SECTION>_<KEY> in the environment win over the file', () => {
    const env = { LARS_REACTOR_PORT: '9999', LARS_LOADBALANCE_OFF1: 'yes', LARS_MYSQL_DB_PASSWD: 's3cret' };
    const withEnv = new Config(TEXT, { source: 'conf/test.conf', env });
    expect(withEnv.getNumber('reactor', 'port', 0)).toBe(9999);
    expect(withEnv.getBool('loadbalance', 'off1', false)).toBe(true);
    expect(withEnv.getString('mysql', 'db_passwd', '')).toBe('s3cret');
    expect(Config.envName('reactor', 'maxConn')).toBe('LARS_REACTOR_MAXCONN');
    const bad = new Config(TEXT, { source: 'conf/test.conf', env: { LARS_REACTOR_PORT: 'eighty' } });
    expect(() => bad.getNumber('reactor', 'port', 0)).toThrow(/LARS_REACTOR_PORT.*conf\/test\.conf.*\[reactor\] port/);
  });

  it('loads a file, and names an unreadable one', () => {
    const file = join(dir, 'lars.conf');
    writeFileSync(file, TEXT);
    expect(Config.load(file, { env: {} }).getNumber('reactor', 'maxConn', 0)).toBe(1024);
    expect(() => Config.load(join(dir, 'missing.conf'))).toThrow(/missing\.conf/);
  });
});
