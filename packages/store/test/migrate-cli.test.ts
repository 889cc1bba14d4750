// `./run_lars.sh db migrate` as a process: reads [mysql] from a conf, runs as
// the admin user from the environment, prints what it applied.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMigrations } from '../src/index.js';
import { createTestDatabase, runSqlFile, type TestDatabase } from '../../../test-support/db.js';
import { mysqlSection } from '../../../test-support/daemon-process.js';
import { REPO_ROOT } from '../../../test-support/repo-paths.js';

const ORIGINAL_SCHEMA = new URL('./fixtures/original-schema.sql', import.meta.url).pathname;
const run = promisify(execFile);

let db: TestDatabase;
let dir: string;
let conf: string;
beforeAll(async () => {
  db = await createTestDatabase({ migrate: false });
  await runSqlFile(db, db.name, ORIGINAL_SCHEMA);
  dir = await mkdtemp(join(tmpdir(), 'lars-migrate-'));
  conf = join(dir, 'lars_dns.conf');
  await writeFile(conf, mysqlSection(db));
});
afterAll(async () => {
  await db.drop();
  await rm(dir, { recursive: true, force: true });
});

/** run_lars.sh db migrate with `args`; never rejects, resolves with the exit code and output. */
async function migrate(args: string[], env: Record<string, string>) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('LARS_MYSQL_ADMIN')));
  try {
    const { stdout, stderr } = await run('./run_lars.sh', ['db', 'migrate', ...args], {
      cwd: REPO_ROOT,
      env: { ...clean, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('run_lars.sh db migrate', () => {
  it('refuses to run as the daemons user, saying it needs DDL rights', async () => {
    const r = await migrate(['--conf', conf], {});
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`lars@${db.host}:${db.port}/${db.name}`);
    expect(r.stderr).toContain('need DDL rights');
  });

  it('migrates the database of the conf as the admin user and prints what it applied, then nothing', async () => {
    const admin = { LARS_MYSQL_ADMIN_USER: db.adminUser, LARS_MYSQL_ADMIN_PASSWD: db.adminPassword };
    const first = await migrate(['--conf', conf], admin);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const migrations = await loadMigrations();
    expect(first.stdout).toContain(`${db.name}: schema version 0 (no migrations recorded) -> ${migrations.length}`);
    expect(first.stdout).toContain(
      'applied 0001-baseline: duplicate_hosts_removed=3, negative_ip_converted=2, negative_caller_converted=2',
    );
    expect(first.stdout).toContain('applied 0002-route-disable-audit\n');
    const second = await migrate(['--conf', conf], admin);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('nothing to apply');
  });

  it('rejects a bad argument with the usage and exit 2', async () => {
    const r = await migrate(['--port', 'x'], {});
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("invalid --port 'x'");
    expect(r.stderr).toContain('usage: run_lars.sh db migrate');
  });
});
