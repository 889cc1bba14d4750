// lars-web-user (`./run_lars.sh web-user`): the password from stdin only,
// clear refusals, and the users it writes log in through the console's Accounts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestDatabase } from '../../../test-support/db.js';
import { Accounts } from '../src/accounts.js';
import { createWebTestDatabase, runWebUserCli } from './web-test-db.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createWebTestDatabase();
});
afterAll(() => db.drop());

/** Runs the CLI on the test database with `stdin` piped in. */
const cli = (args: string[], stdin = '') => runWebUserCli(db, args, stdin);

describe('lars-web-user', () => {
  it('add reads the password from stdin; the user logs in with it', async () => {
    const res = await cli(['add', 'root', 'admin'], 'first-admin-pw\n');
    expect(res).toMatchObject({ code: 0, err: '' });
    expect(res.out).toContain(`added root (admin) in ${db.user}@${db.host}:${db.port}/${db.name}`);
    const accounts = new Accounts(db.admin);
    expect(await accounts.authenticate('root', 'first-admin-pw')).toMatchObject({ name: 'root', role: 'admin' });
    expect((await cli(['list'])).out).toBe('root\tadmin\n');
  });

  it('never takes a password argument, and says why each refusal happened', async () => {
    const extra = await cli(['add', 'bob', 'viewer', 'secret-in-argv']);
    expect(extra.code).toBe(2);
    expect(extra.err).toContain('add takes 2 argument(s), got 3');
    const role = await cli(['add', 'bob', 'root'], 'bob-password\n');
    expect(role.code).toBe(2);
    expect(role.err).toContain('ROLE "root": one of viewer, editor, admin');
    const short = await cli(['add', 'bob', 'viewer'], 'short\n');
    expect(short.code).toBe(1);
    expect(short.err).toContain('a password has at least 8 characters');
    const none = await cli(['add', 'bob', 'viewer'], '');
    expect(none.code).toBe(1);
    expect(none.err).toContain('no password read from stdin');
    const twice = await cli(['add', 'root', 'viewer'], 'another-password\n');
    expect(twice.code).toBe(1);
    expect(twice.err).toContain('user root exists already');
    expect((await cli(['list'])).out).toBe('root\tadmin\n');
  });

  it('passwd replaces the password; del removes the user; an unknown user is named', async () => {
    await cli(['add', 'carol', 'editor'], 'carol-password\n');
    expect((await cli(['passwd', 'carol'], 'carol-new-password\n')).code).toBe(0);
    const accounts = new Accounts(db.admin);
    expect(await accounts.authenticate('carol', 'carol-password')).toBeNull();
    expect(await accounts.authenticate('carol', 'carol-new-password')).toMatchObject({ role: 'editor' });
    expect((await cli(['del', 'carol'])).code).toBe(0);
    expect(await accounts.find('carol')).toBeNull();
    const gone = await cli(['del', 'carol']);
    expect(gone.code).toBe(1);
    expect(gone.err).toContain('there is no user carol');
  });
});
