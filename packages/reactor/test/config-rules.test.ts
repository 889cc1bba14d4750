// The rules engine of every daemon's config (config-rules.ts), on texts in
// memory: only present keys are returned, ranges are checked with the file's
// words, unknown names are rejected with the nearest known one.
import { describe, expect, it } from 'vitest';
import { Config } from '../src/config.js';
import {
  hostRule,
  integerRule,
  listenPortRule,
  listRule,
  msRule,
  numberRule,
  peerPortRule,
  secondsRule,
} from '../src/config-rule-kinds.js';
import { type ConfigSchema, editDistance, nearest, readDaemonConfig, readRules } from '../src/config-rules.js';
import { NON_CONFIG_VARIABLES } from '../src/lars-env.js';
import { STATS_RULES, statsEndpointFromConfig } from '../src/stats-config.js';
import { badConfigError } from '../../../test-support/config-checks.js';

interface Opts {
  port?: number;
  maxConn?: number;
  intervalMs?: number;
  idleMs?: number;
  ratio?: number;
  waitMs?: number;
  peers?: string[];
  db?: { port?: number; host?: string };
}

const SCHEMA: ConfigSchema<Opts> = {
  daemon: 'lars-test',
  rules: [
    listenPortRule('reactor', 'port', 'port'),
    integerRule('reactor', 'maxConn', 'maxConn', 1),
    integerRule('reactor', 'threadNum', null, 1, 1024),
    secondsRule('reactor', 'interval', 'intervalMs', 1),
    secondsRule('reactor', 'idle', 'idleMs', 0, 'off'),
    numberRule('reactor', 'ratio', 'ratio', { min: 0, max: 1, exclusiveMin: true }),
    msRule('reactor', 'wait_ms', 'waitMs', 1),
    listRule('reactor', 'peers', 'peers', 'names of letters', (t) =>
      /^[a-z]+$/.test(t) ? { item: t } : { why: 'has a non-letter' },
    ),
    hostRule('store', 'db_host', 'db.host'),
    peerPortRule('store', 'db_port', 'db.port'),
    ...(STATS_RULES as never[]),
  ],
  aliases: { stor: 'store' },
  otherDaemonKeys: { store: ['their_key'] },
};

const FILE = 'conf/test.conf';

function read(text: string, env: Record<string, string> = {}, warn?: (m: string) => void) {
  return readDaemonConfig(new Config(text, { source: FILE, env }), SCHEMA, warn);
}

describe('readDaemonConfig: values', () => {
  it('returns nothing for an empty file: every default stays the daemon constructor’s', () => {
    const { options, values } = read('');
    expect(options).toEqual({});
    expect(values.size).toBe(0);
  });

  it('returns exactly the keys present, converted (seconds to ms), nested where the option is', () => {
    const { options, values } = read(
      '[reactor]\nport = 0\ninterval = 0.25\nidle = 0\nratio = 1\nthreadNum = 5\npeers = a, b ,,c\n[store]\ndb_port = 3307\n',
    );
    expect(options).toEqual({
      port: 0,
      intervalMs: 250,
      idleMs: 0,
      ratio: 1,
      peers: ['a', 'b', 'c'],
      db: { port: 3307 },
    });
    // A key of the original that changes nothing is read and checked, but sets no option.
    expect(values.get('reactor threadNum')).toBe(5);
  });

  it('takes LARS_<SECTION>_<KEY> over the file', () => {
    expect(read('[reactor]\nmaxConn = 10\n', { LARS_REACTOR_MAXCONN: ' 20 ' }).options).toEqual({ maxConn: 20 });
  });

  it.each([
    ['[store]\ndb_port = -5\n', `${FILE}: [store] db_port = -5 is out of range: allowed a port 1..65535`],
    ['[store]\ndb_port = 0\n', `${FILE}: [store] db_port = 0 is out of range: allowed a port 1..65535`],
    [
      '[reactor]\nport = 65536\n',
      `${FILE}: [reactor] port = 65536 is out of range: allowed a port 0..65535 (0: any free port)`,
    ],
    ['[reactor]\nmaxConn = 0\n', `${FILE}: [reactor] maxConn = 0 is out of range: allowed an integer >= 1`],
    ['[reactor]\nthreadNum = 0\n', `${FILE}: [reactor] threadNum = 0 is out of range: allowed an integer 1..1024`],
    [
      '[reactor]\ninterval = 0.0001\n',
      `${FILE}: [reactor] interval = 0.0001 is out of range: allowed seconds >= 0.001`,
    ],
    ['[reactor]\nidle = -1\n', `${FILE}: [reactor] idle = -1 is out of range: allowed seconds >= 0 (0: off)`],
    ['[reactor]\nratio = 0\n', `${FILE}: [reactor] ratio = 0 is out of range: allowed a number (0, 1]`],
    [
      '[reactor]\nwait_ms = 0\n',
      `${FILE}: [reactor] wait_ms = 0 is out of range: allowed an integer >= 1 (milliseconds)`,
    ],
    [
      '[reactor]\npeers = a, b2\n',
      `${FILE}: [reactor] peers = a, b2 is out of range ("b2" has a non-letter): allowed names of letters`,
    ],
    ['[store]\ndb_host = a b\n', `${FILE}: [store] db_host = a b is out of range: allowed an IP address or host name`],
    [
      '[stats]\nport = -1\n',
      `${FILE}: [stats] port = -1 is out of range: allowed a port 0..65535 (0: the endpoint is off)`,
    ],
  ])('rejects %j as `file: [section] key = value` with the range', (text, message) => {
    const err = badConfigError(() => read(text));
    expect(err.message).toBe(message);
    expect(err.message).not.toMatch(/invalid option/);
  });

  it('names the variable when the out-of-range value came from the environment', () => {
    const err = badConfigError(() => read('[store]\ndb_port = 3306\n', { LARS_STORE_DB_PORT: '0' }));
    expect(err.message).toBe(
      `environment LARS_STORE_DB_PORT (overriding ${FILE}): [store] db_port = 0 is out of range: allowed a port 1..65535`,
    );
  });

  it('a value that does not parse is still Config’s error', () => {
    expect(badConfigError(() => read('[reactor]\nport = 77x8\n')).message).toBe(
      `${FILE}: [reactor] port = "77x8" is not an integer`,
    );
  });

  it('readRules checks ranges but not unknown names (a tool reading another daemon’s file)', () => {
    const config = new Config('[other]\nx = 1\n[store]\ndb_port = 1\n', { source: FILE, env: {} });
    expect(readRules(config, SCHEMA.rules).options).toEqual({ db: { port: 1 } });
  });
});

describe('readDaemonConfig: names', () => {
  it('rejects an unknown section, naming file, section, its keys and the nearest section', () => {
    const err = badConfigError(() => read('[stoer]\ndb_host = x\n'));
    expect(err.message).toBe(
      `${FILE}: unknown section [stoer] (keys db_host) for lars-test; the nearest is [store] (sections: [reactor] [store] [stats])`,
    );
  });

  it('rejects an unknown key, naming file, section, key and the nearest key', () => {
    expect(badConfigError(() => read('[store]\ndb_prot = 1\n')).message).toBe(
      `${FILE}: [store] db_prot: unknown key; the nearest is db_port ([store] keys: db_host, db_port)`,
    );
    // Keys are case-sensitive in the file (the environment is not).
    expect(badConfigError(() => read('[reactor]\nmaxconn = 1\n')).message).toContain('the nearest is maxConn');
  });

  it('rejects a key outside any section', () => {
    expect(badConfigError(() => read('port = 1\n[reactor]\n')).message).toBe(
      `${FILE}: port is set outside any [section]`,
    );
  });

  it('reads an alias section as its section, with one warning', () => {
    const warnings: string[] = [];
    const { options } = read('[stor]\ndb_port = 4000\n', {}, (m) => warnings.push(m));
    expect(options).toEqual({ db: { port: 4000 } });
    expect(warnings).toEqual([`${FILE}: [stor] is read as [store] (the original's spelling); rename it to [store]`]);
    // Its errors name the section as the file spells it.
    expect(badConfigError(() => read('[stor]\ndb_port = 0\n')).message).toContain('[stor] db_port = 0 is out of range');
    expect(badConfigError(() => read('[stor]\ndb_prt = 0\n')).message).toContain('[stor] db_prt: unknown key');
    expect(badConfigError(() => read('[stor]\ndb_port = 1\n[store]\ndb_host = x\n')).message).toBe(
      `${FILE}: both [stor] and [store]: [stor] is the original's spelling of [store], keep one`,
    );
  });

  it('rejects a LARS_ variable of its own section with no such key, naming the variable and the nearest', () => {
    expect(badConfigError(() => read('', { LARS_STORE_DB_PROT: '1' })).message).toBe(
      'environment LARS_STORE_DB_PROT: lars-test has no [store] key of that name; the nearest is LARS_STORE_DB_PORT ([store] keys: db_host, db_port)',
    );
  });

  it('rejects a LARS_ variable of no daemon’s section that is not a documented one', () => {
    const err = badConfigError(() => read('', { LARS_LOG_LEVLE: 'debug' }));
    expect(err.message).toMatch(/^environment LARS_LOG_LEVLE: no Lars daemon has a config key of that name/);
    expect(err.message).toMatch(/the nearest is LARS_LOG_LEVEL$/);
  });

  it('ignores variables of other daemons: their sections, their keys in a shared section, and the documented ones', () => {
    const env: Record<string, string> = {
      LARS_DNSSERVER_PORT: '7000', // a section of another daemon (the agent)
      LARS_STORE_THEIR_KEY: 'x', // another daemon's key in a section this one has too
      LARS_AGENT_IP: '127.0.0.1',
    };
    for (const name of Object.keys(NON_CONFIG_VARIABLES)) env[name] = '1';
    expect(read('', env).options).toEqual({});
  });
});

describe('statsEndpointFromConfig', () => {
  it('loopback and the daemon’s default port unless the file says otherwise; 0 is off', () => {
    const at = (text: string) => statsEndpointFromConfig(new Config(text, { source: FILE, env: {} }), 7788);
    expect(at('')).toEqual({ host: '127.0.0.1', port: 7788 });
    expect(at('[stats]\nport = 0\nip = 0.0.0.0\n')).toEqual({ host: '0.0.0.0', port: 0 });
    expect(() => at('[stats]\nport = 99999\n')).toThrow('[stats] port = 99999 is out of range');
  });
});

describe('nearest', () => {
  it('is the candidate at the smallest edit distance, case-insensitive, first of equals', () => {
    expect(editDistance('mysq1', 'mysql')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('MAXCONN', 'maxConn')).toBe(0);
    expect(nearest('stat', ['reactor', 'stats', 'mysql'])).toBe('stats');
    expect(nearest('repoter', ['reactor', 'reporter'])).toBe('reporter');
    expect(nearest('x', [])).toBeUndefined();
  });
});
