// A per-file test database (at the newest schema, the console's tables of
// migration 0004 included) and fixtures for it.
import type { TestDatabase } from '../../../test-support/db.js';
import { Accounts } from '../src/accounts.js';
import type { ScryptParams } from '../src/password-hash.js';

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
