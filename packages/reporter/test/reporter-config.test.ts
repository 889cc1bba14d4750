// lars_reporter.conf through the reporter's rules table (reporter-config.ts):
// the original's `[repoter]` spelling is read as `[reporter]` with a warning,
// mistakes are errors naming file, section and key; and the reporter process
// runs an original file, warning once through its logger.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Config } from '@lars/reactor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { badConfigError } from '../../../test-support/config-checks.js';
import { createTestDatabase, type TestDatabase } from '../../../test-support/db.js';
import { startDaemonProcess } from '../../../test-support/daemon-process.js';
import { freePort } from '../../../test-support/ports.js';
import { REPO_ROOT } from '../../../test-support/repo-paths.js';
import { reporterOptionsFromConfig } from '../src/reporter-config.js';

const FILE = 'conf/lars_reporter.conf';
const ORIGINAL = readFileSync(new URL('./fixtures/original-lars-reporter.conf', import.meta.url), 'utf8');

const options = (text: string, env: Record<string, string> = {}, warn?: (m: string) => void) =>
  reporterOptionsFromConfig(new Config(text, { source: FILE, env }), warn);

describe('reporterOptionsFromConfig', () => {
  it('an empty file sets no option: the ReporterServer DEFAULTS decide', () => {
    expect(options('')).toEqual({});
  });

  it('reads the shipped file', () => {
    expect(reporterOptionsFromConfig(Config.load(join(REPO_ROOT, FILE), { env: {} }))).toMatchObject({
      port: 7779,
      writers: 3,
      queueBytes: 8388608,
      batchRecords: 256,
      rollup: true,
      rollupIntervalS: 60,
      rollupRetentionS: 604800,
      statusMaxAgeS: 604800,
    });
  });

  it("reads an original file's [repoter] as [reporter], with one warning", () => {
    const warnings: string[] = [];
    expect(options(ORIGINAL, {}, (m) => warnings.push(m))).toEqual({
      host: '127.0.0.1',
      port: 7779,
      maxConn: 1024,
      mysql: { host: '127.0.0.1', port: 3306, user: 'root', password: 'aceld', database: 'lars_dns' },
      writers: 3,
    });
    expect(warnings).toEqual([
      `${FILE}: [repoter] is read as [reporter] (the original's spelling); rename it to [reporter]`,
    ]);
    // The variable is the section's real name.
    expect(options(ORIGINAL, { LARS_REPORTER_DB_THREAD_CNT: '5' }).writers).toBe(5);
  });

  it('rejects [mysq1] and an unknown key, naming file, section, key and the nearest', () => {
    expect(badConfigError(() => options('[mysq1]\ndb_host = x\n')).message).toMatch(
      /^conf\/lars_reporter\.conf: unknown section \[mysq1\] \(keys db_host\) for lars-reporter; the nearest is \[mysql\]/,
    );
    expect(badConfigError(() => options('[reporter]\nbatch_sise = 10\n')).message).toMatch(
      /^conf\/lars_reporter\.conf: \[reporter\] batch_sise: unknown key; the nearest is batch_size /,
    );
  });

  it('rejects db_port = -5 and bad writer settings as `file: [section] key = value` with the range', () => {
    expect(badConfigError(() => options('[mysql]\ndb_port = -5\n')).message).toBe(
      `${FILE}: [mysql] db_port = -5 is out of range: allowed a port 1..65535`,
    );
    expect(badConfigError(() => options('[reporter]\nqueue_bytes = 1000\n')).message).toBe(
      `${FILE}: [reporter] queue_bytes = 1000 is out of range: allowed a power of two 64..1073741824 (bytes)`,
    );
    const threads = badConfigError(() => options('[repoter]\ndb_thread_cnt = 65\n')).message;
    expect(threads).toBe(`${FILE}: [repoter] db_thread_cnt = 65 is out of range: allowed an integer 1..64`);
    expect(threads).not.toContain('writers');
  });

  it('reads the rollup and sweep keys, and rejects them out of range', () => {
    expect(
      options(
        '[reporter]\nrollup = off\nrollup_interval = 10\nrollup_flush = 2.5\nrollup_retention = 86400\nstatus_max_age = 3600\n',
      ),
    ).toEqual({
      rollup: false,
      rollupIntervalS: 10,
      rollupFlushMs: 2500,
      rollupRetentionS: 86400,
      statusMaxAgeS: 3600,
    });
    expect(options('', { LARS_REPORTER_ROLLUP: 'on' })).toEqual({ rollup: true });
    expect(badConfigError(() => options('[reporter]\nrollup_interval = 0\n')).message).toBe(
      `${FILE}: [reporter] rollup_interval = 0 is out of range: allowed seconds, an integer 1..3600`,
    );
    expect(badConfigError(() => options('[reporter]\nrollup_flush = 3601\n')).message).toBe(
      `${FILE}: [reporter] rollup_flush = 3601 is out of range: allowed seconds >= 0.001 and <= 3600`,
    );
    expect(badConfigError(() => options('[reporter]\nstatus_max_age = 59\n')).message).toBe(
      `${FILE}: [reporter] status_max_age = 59 is out of range: allowed seconds, an integer >= 60`,
    );
    expect(badConfigError(() => options('[reporter]\nrollup = maybe\n')).message).toMatch(/rollup/);
  });

  it("rejects an unknown LARS_REPORTER_ variable; the agent's [reporter] keys are the agent's", () => {
    expect(badConfigError(() => options('', { LARS_REPORTER_DB_THREADS: '2' })).message).toMatch(
      /^environment LARS_REPORTER_DB_THREADS: lars-reporter has no \[reporter\] key of that name; the nearest is LARS_REPORTER_DB_THREAD_CNT/,
    );
    expect(options('', { LARS_REPORTER_PORT: '7000', LARS_REPORTER_ADDRS: 'a:1' })).toEqual({});
  });
});

describe('lars-reporter from an original lars_reporter.conf', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  it('serves with [repoter] db_thread_cnt, logging the warning once through its logger', async () => {
    const [port, statsPort] = [await freePort(), await freePort()];
    const conf = ORIGINAL.replace('port = 7779', `port = ${port}`)
      .replace('db_host = 127.0.0.1', `db_host = ${db.host}`)
      .replace('db_port = 3306', `db_port = ${db.port}`)
      .replace('db_user = root', `db_user = ${db.user}`)
      .replace('db_passwd = aceld', `db_passwd = ${db.password}`)
      .replace('db_name = lars_dns', `db_name = ${db.name}`)
      .replace('db_thread_cnt = 3', 'db_thread_cnt = 2');
    const reporter = startDaemonProcess('packages/reporter/src/main.ts', `${conf}\n[stats]\nport = ${statsPort}\n`);
    try {
      await reporter.waitForOutput('reporter serving', 'stats endpoint listening');
      const health = (await (await fetch(`http://127.0.0.1:${statsPort}/healthz`)).json()) as {
        checks: Record<string, unknown>;
      };
      expect(Object.keys(health.checks).sort()).toEqual(['main', 'writer0', 'writer1']);
      const warnings = reporter
        .output()
        .split('\n')
        .filter((l) => l.includes('[repoter] is read as [reporter]'));
      expect(warnings).toHaveLength(1);
      expect(JSON.parse(warnings[0])).toMatchObject({ level: 40, name: 'lars-reporter' });
      expect(await reporter.stop('SIGTERM')).toBe(0);
    } finally {
      await reporter.stop('SIGKILL');
    }
  });
});
