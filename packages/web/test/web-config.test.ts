// lars_web.conf through the console's rules table (web-config.ts), and the
// daemon process (main.ts through runDaemon) on a real MariaDB.
import { join } from 'node:path';
import { Config } from '@lars/reactor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { badConfigError } from '../../../test-support/config-checks.js';
import { mysqlSection, startDaemonProcess } from '../../../test-support/daemon-process.js';
import type { TestDatabase } from '../../../test-support/db.js';
import { freePort } from '../../../test-support/ports.js';
import { promtoolCheckMetrics } from '../../../test-support/promtool.js';
import { REPO_ROOT } from '../../../test-support/repo-paths.js';
import { webOptionsFromConfig } from '../src/web-config.js';
import { WebServer } from '../src/web-server.js';
import { createWebTestDatabase } from './web-test-db.js';

const FILE = 'conf/lars_web.conf';
const options = (text: string, env: Record<string, string> = {}) =>
  webOptionsFromConfig(new Config(text, { source: FILE, env }));

describe('webOptionsFromConfig', () => {
  it('an empty file sets no option: the WebServer DEFAULTS decide', () => {
    expect(options('')).toEqual({});
  });

  it('reads the shipped file', () => {
    expect(webOptionsFromConfig(Config.load(join(REPO_ROOT, FILE), { env: {} }))).toEqual({
      host: '127.0.0.1',
      port: 7780,
      dnsStats: [{ host: '127.0.0.1', port: 7788 }],
      reporterStats: [{ host: '127.0.0.1', port: 7789 }],
      agentStats: [{ host: '127.0.0.1', port: 8898 }],
      sessionTtlMs: 43_200_000,
      loginAttempts: 5,
      loginWindowMs: 900_000,
      secureCookies: false,
      mysqlConnections: 4,
      rollupIntervalMs: 60_000,
      alertErrorRate: 0.1,
      alertMinCalls: 20,
      alertWindowMs: 300_000,
      alertIntervalMs: 15_000,
      alertWebhookRetries: 3,
      alertWebhookTimeoutMs: 5_000,
      mysql: { host: '127.0.0.1', port: 3306, user: 'lars', password: 'lars', database: 'lars_dns' },
    });
  });

  it('reads lists, booleans and LARS_WEB_* overrides', () => {
    expect(
      options('[web]\nagent_stats = 10.0.0.1:8898, 10.0.0.2:8898\nsecure_cookies = yes\n', { LARS_WEB_PORT: '8080' }),
    ).toEqual({
      port: 8080,
      secureCookies: true,
      agentStats: [
        { host: '10.0.0.1', port: 8898 },
        { host: '10.0.0.2', port: 8898 },
      ],
    });
  });

  it('a value out of range, a bad list item or an unknown key is LARS_BAD_CONFIG naming it', () => {
    expect(badConfigError(() => options('[web]\nport = 70000\n')).message).toContain('[web] port');
    expect(badConfigError(() => options('[web]\nport = 70000\n')).message).toContain('0..65535');
    expect(badConfigError(() => options('[web]\ndns_stats = 127.0.0.1\n')).message).toContain(
      '"127.0.0.1" is not host:port',
    );
    expect(badConfigError(() => options('[web]\nlogin_attempts = 0\n')).message).toContain('1..1000');
    expect(badConfigError(() => options('[web]\ntrust_proxy = 10.0.0.0/33\n')).message).toContain('[web] trust_proxy');
    expect(badConfigError(() => options('[web]\nsecure_cookie = true\n')).message).toContain('secure_cookies');
    expect(badConfigError(() => options('[web]\nsecure_cookies = maybe\n')).message).toContain('true/false');
  });

  it('WebServer refuses a bad option as LARS_BAD_OPTION naming it', () => {
    expect(() => new WebServer({ port: 70000 })).toThrow(expect.objectContaining({ code: 'LARS_BAD_OPTION' }));
    expect(() => new WebServer({ loginAttempts: 0 })).toThrow(/loginAttempts/);
  });
});

describe('the lars-web process', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createWebTestDatabase();
  });
  afterAll(() => db.drop());

  it('serves the console on [web] port and health on [stats] port; ready once MySQL answered; SIGTERM exits 0', async () => {
    const [webPort, statsPort] = [await freePort(), await freePort()];
    const conf = `[web]\nip = 127.0.0.1\nport = ${webPort}\n${mysqlSection(db)}[stats]\nport = ${statsPort}\n`;
    const daemon = startDaemonProcess('packages/web/src/main.ts', conf);
    try {
      await daemon.waitForOutput('stats endpoint listening', `console on http://127.0.0.1:${webPort}/`);
      const ready = await fetch(`http://127.0.0.1:${statsPort}/readyz`);
      expect(ready.status).toBe(200);
      const login = await fetch(`http://127.0.0.1:${webPort}/login`);
      expect(login.status).toBe(200);
      expect(await login.text()).toContain('./run_lars.sh web-user add NAME admin');
      const metrics = await (await fetch(`http://127.0.0.1:${statsPort}/metrics`)).text();
      expect(metrics).toMatch(/^lars_web_requests_total 1$/m);
      expect(promtoolCheckMetrics(metrics).problems).toEqual([]);
      expect((await fetch(`http://127.0.0.1:${statsPort}/healthz`)).status).toBe(200);
    } finally {
      expect(await daemon.stop(), daemon.output()).toBe(0);
    }
  });

  it('a config mistake stops it at start: exit 1 with the key named', async () => {
    const daemon = startDaemonProcess('packages/web/src/main.ts', '[web]\nprot = 7780\n');
    expect(await daemon.exited()).toBe(1);
    expect(daemon.output()).toContain('[web] prot');
  });
});
