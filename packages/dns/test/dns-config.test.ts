// lars_dns.conf through the DNS's rules table (dns-config.ts): only the keys
// present come back, mistakes are errors naming file, section and key; and
// the DNS process refuses such a file at start (exit 1).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Config } from '@lars/reactor';
import { describe, expect, it } from 'vitest';
import { badConfigError, exitOrServe } from '../../../test-support/config-checks.js';
import { startDaemonProcess } from '../../../test-support/daemon-process.js';
import { freePort } from '../../../test-support/ports.js';
import { REPO_ROOT } from '../../../test-support/repo-paths.js';
import { dnsOptionsFromConfig } from '../src/dns-config.js';

const FILE = 'conf/lars_dns.conf';
const ORIGINAL = readFileSync(new URL('./fixtures/original-lars-dns.conf', import.meta.url), 'utf8');

const options = (text: string, env: Record<string, string> = {}) =>
  dnsOptionsFromConfig(new Config(text, { source: FILE, env }));

describe('dnsOptionsFromConfig', () => {
  it('an empty file sets no option: the DnsServer DEFAULTS decide', () => {
    expect(options('')).toEqual({});
  });

  it('reads the shipped file and an original lars_dns.conf (threadNum read, changing nothing)', () => {
    const shipped = dnsOptionsFromConfig(Config.load(join(REPO_ROOT, FILE), { env: {} }));
    expect(shipped).toMatchObject({ host: '127.0.0.1', port: 7778, maxConn: 1024, checkIntervalMs: 100 });
    expect(options(ORIGINAL)).toEqual({
      host: '127.0.0.1',
      port: 7778,
      maxConn: 1024,
      mysql: { host: '127.0.0.1', port: 3306, user: 'root', password: 'aceld', database: 'lars_dns' },
    });
  });

  it('only the keys present, converted: seconds to ms, a listening port 0 = any free port', () => {
    expect(options('[reactor]\nport = 0\n[dns]\ncheck_interval = 0.2\n[mysql]\ndb_name = x\n')).toEqual({
      port: 0,
      checkIntervalMs: 200,
      mysql: { database: 'x' },
    });
  });

  it('reads the connection guards of [reactor], checking allow item by item', () => {
    expect(
      options('[reactor]\nframe_timeout = 0.5\nmax_conn_per_ip = 4\nconn_idle_timeout = 0\nallow = 127.0.0.0/8, ::1\n'),
    ).toEqual({ frameTimeoutMs: 500, maxConnPerIp: 4, connIdleTimeoutMs: 0, allow: ['127.0.0.0/8', '::1'] });
    expect(badConfigError(() => options('[reactor]\nallow = 127.0.0.0/8, 10.0.0.1/8\n')).message).toBe(
      `${FILE}: [reactor] allow = 127.0.0.0/8, 10.0.0.1/8 is out of range ("10.0.0.1/8" has bits set past its /8 prefix ` +
        '(did you mean 10.0.0.0/8?)): allowed a comma list of IPv4/IPv6 addresses or CIDR ranges (10.0.0.0/8, fc00::/7)',
    );
    expect(badConfigError(() => options('[reactor]\nframe_timeout = 0\n')).message).toBe(
      `${FILE}: [reactor] frame_timeout = 0 is out of range: allowed seconds >= 0.001`,
    );
    expect(badConfigError(() => options('[reactor]\nmax_conn_per_ip = 0\n')).message).toBe(
      `${FILE}: [reactor] max_conn_per_ip = 0 is out of range: allowed an integer >= 1`,
    );
  });

  it('rejects [mysq1] and an unknown key, naming file, section, key and the nearest', () => {
    expect(badConfigError(() => options('[mysq1]\ndb_host = 10.0.0.1\n')).message).toMatch(
      /^conf\/lars_dns\.conf: unknown section \[mysq1\] \(keys db_host\) for lars-dns; the nearest is \[mysql\]/,
    );
    expect(badConfigError(() => options('[stat]\nport = 7000\n')).message).toContain('the nearest is [stats]');
    expect(badConfigError(() => options('[dns]\ncheck_intervall = 1\n')).message).toMatch(
      /^conf\/lars_dns\.conf: \[dns\] check_intervall: unknown key; the nearest is check_interval /,
    );
  });

  it('rejects db_port = -5 and a zero interval as `file: [section] key = value` with the range', () => {
    expect(badConfigError(() => options('[mysql]\ndb_port = -5\n')).message).toBe(
      `${FILE}: [mysql] db_port = -5 is out of range: allowed a port 1..65535`,
    );
    expect(badConfigError(() => options('[dns]\nreload_interval = 0\n')).message).toBe(
      `${FILE}: [dns] reload_interval = 0 is out of range: allowed seconds >= 0.001`,
    );
  });

  it('rejects an unknown LARS_ variable of its sections, and ignores the agent’s', () => {
    expect(badConfigError(() => options('', { LARS_REACTOR_MAX_CONN: '10' })).message).toMatch(
      /^environment LARS_REACTOR_MAX_CONN: lars-dns has no \[reactor\] key of that name; the nearest is LARS_REACTOR_MAXCONN/,
    );
    expect(options('', { LARS_DNSSERVER_PORT: '7000', LARS_AGENT_BASE_PORT: '9000', LARS_REACTOR_PORT: '1' })).toEqual({
      port: 1,
    });
  });
});

describe('lars-dns with a mistaken config', () => {
  it('exits 1 at start, before serving, naming file, section and nearest key', async () => {
    const conf = `[reactor]\nport = 0\n[mysq1]\ndb_port = 3306\n[stats]\nport = ${await freePort()}\n`;
    const dns = startDaemonProcess('packages/dns/src/main.ts', conf);
    try {
      expect(await exitOrServe(dns)).toBe(1);
      expect(dns.output()).toMatch(
        /daemon\.conf: unknown section \[mysq1\] \(keys db_port\) for lars-dns; the nearest is \[mysql\]/,
      );
    } finally {
      await dns.stop('SIGKILL');
    }
  });

  it('exits 1 on an unknown LARS_ variable, naming it', async () => {
    const conf = `[reactor]\nport = 0\n[stats]\nport = ${await freePort()}\n`;
    const dns = startDaemonProcess('packages/dns/src/main.ts', conf, { LARS_MYSQL_DB_PASWD: 'x' });
    try {
      expect(await exitOrServe(dns)).toBe(1);
      expect(dns.output()).toContain('environment LARS_MYSQL_DB_PASWD: lars-dns has no [mysql] key of that name');
    } finally {
      await dns.stop('SIGKILL');
    }
  });
});
