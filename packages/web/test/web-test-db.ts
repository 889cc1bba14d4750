// A per-file test database (at the newest schema, the console's tables of
// migration 0004 included) and fixtures for it.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import type { TestDatabase } from '../../../test-support/db.js';
import { REPO_ROOT } from '../../../test-support/repo-paths.js';
import { SOURCE_NODE_ARGS } from '../../../test-support/source-node.js';
import type { FastifyInstance } from 'fastify';
import { Accounts } from '../src/accounts.js';
import type { ScryptParams } from '../src/password-hash.js';
import { BrowserClient } from './web-client.js';

export { createTestDatabase as createWebTestDatabase } from '../../../test-support/db.js';

/** Cheap scrypt for fixtures: the stored params say how each hash was made, so logins verify it as is. */
export const FAST_SCRYPT: ScryptParams = { N: 2 ** 10, r: 8, p: 1, keyLength: 32 };

/** The daemons' MySQL login for `db`, as WebServerOptions.mysql. */
export function mysqlOf(db: TestDatabase) {
  return { host: db.host, port: db.port, user: db.user, password: db.password, database: db.name };
}

/** Accounts over the admin pool with FAST_SCRYPT, for fixtures. */
export function fixtureAccounts(db: TestDatabase, now?: () => number): Accounts {
  return new Accounts(db.admin, now, FAST_SCRYPT);
}

/** Runs the real `./run_lars.sh web-user ARGS` (web-user-cli.ts) on `db`, with `stdin` piped in. */
export async function runWebUserCli(
  db: TestDatabase,
  args: string[],
  stdin = '',
): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, [...SOURCE_NODE_ARGS, 'packages/web/src/web-user-cli.ts', ...args], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      LARS_CONF: '',
      LARS_MYSQL_DB_HOST: db.host,
      LARS_MYSQL_DB_PORT: String(db.port),
      LARS_MYSQL_DB_USER: db.user,
      LARS_MYSQL_DB_PASSWD: db.password,
      LARS_MYSQL_DB_NAME: db.name,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  child.stdin.end(stdin);
  const [code] = await once(child, 'exit');
  return { code: code as number | null, out, err };
}

/** The fixture users of the page tests, one per role; each password is `<name>-password1`. */
export const ROLE_USERS = { vera: 'viewer', ed: 'editor', ada: 'admin' } as const;

/** Adds ROLE_USERS through `accounts` and logs each in: a browser per user, by name. */
export async function loggedInRoles(
  app: FastifyInstance,
  accounts: Accounts,
): Promise<Record<keyof typeof ROLE_USERS, BrowserClient>> {
  const out = {} as Record<keyof typeof ROLE_USERS, BrowserClient>;
  for (const [name, role] of Object.entries(ROLE_USERS) as [keyof typeof ROLE_USERS, string][]) {
    await accounts.add(name, role, `${name}-password1`);
    out[name] = new BrowserClient(app);
    const res = await out[name].login(name, `${name}-password1`);
    if (res.statusCode !== 303) throw new Error(`${name} could not log in: ${res.statusCode} ${res.body}`);
  }
  return out;
}

/** A new API token of user `name` (a fixture: refused is an error). */
export async function fixtureToken(accounts: Accounts, name: string, tokenName: string): Promise<string> {
  const user = await accounts.find(name);
  const made = user === null ? null : await accounts.createToken(user, tokenName);
  if (made === null || !made.ok) throw new Error(`no API token ${tokenName} for ${name}`);
  return made.token;
}
