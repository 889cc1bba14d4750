import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestDatabase } from '../../../test-support/db.js';
import { type Accounts, tokenHash } from '../src/accounts.js';
import { hashPassword, SCRYPT_DEFAULTS, verifyPassword } from '../src/password-hash.js';
import { createWebTestDatabase, FAST_SCRYPT, fixtureAccounts } from './web-test-db.js';

let db: TestDatabase;
let accounts: Accounts;

beforeAll(async () => {
  db = await createWebTestDatabase();
  accounts = fixtureAccounts(db, () => 1_700_000_000_000);
});
afterAll(() => db.drop());

describe('password hashing', () => {
  it('salts each hash: one password hashed twice gives two different hashes, both verifying', async () => {
    const a = await hashPassword('correct horse', FAST_SCRYPT);
    const b = await hashPassword('correct horse', FAST_SCRYPT);
    expect(a.salt.equals(b.salt)).toBe(false);
    expect(a.hash.equals(b.hash)).toBe(false);
    expect(await verifyPassword('correct horse', a)).toBe(true);
    expect(await verifyPassword('correct horse', b)).toBe(true);
    expect(await verifyPassword('correct hors', a)).toBe(false);
  });

  it('keeps the cost with the hash, and refuses params it did not write', async () => {
    const h = await hashPassword('pw-12345678', FAST_SCRYPT);
    expect(h.params).toBe('N=1024,r=8,p=1,len=32');
    expect(await verifyPassword('pw-12345678', { ...h, params: 'N=1000,r=8,p=1,len=32' })).toBe(false);
    expect(await verifyPassword('pw-12345678', { ...h, params: 'bcrypt' })).toBe(false);
    expect(SCRYPT_DEFAULTS).toEqual({ N: 32768, r: 8, p: 1, keyLength: 32 });
  });

  it('hashes with the default cost when given none', async () => {
    const h = await hashPassword('pw-12345678');
    expect(h.params).toBe('N=32768,r=8,p=1,len=32');
    expect(await verifyPassword('pw-12345678', h)).toBe(true);
  });
});

describe('Accounts (real MariaDB)', () => {
  it('adds a user, stores only a salted hash, and authenticates by password', async () => {
    const added = await accounts.add('alice', 'editor', 'alice-password');
    expect(added).toMatchObject({ ok: true, user: { name: 'alice', role: 'editor' } });
    const [rows] = await db.admin.query<RowDataPacket[]>('SELECT * FROM WebUser WHERE name = ?', ['alice']);
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows[0])).not.toContain('alice-password');
    expect(rows[0].password_salt).toHaveLength(16);
    expect(rows[0].password_hash).toHaveLength(32);
    expect(Number(rows[0].created)).toBe(1_700_000_000_000);

    expect(await accounts.authenticate('alice', 'alice-password')).toEqual({
      id: rows[0].id,
      name: 'alice',
      role: 'editor',
    });
    expect(await accounts.authenticate('alice', 'wrong-password')).toBeNull();
    expect(await accounts.authenticate('nobody', 'alice-password')).toBeNull();
  });

  it('refuses a second user of the same name as a value, and bad input as LARS_BAD_OPTION naming the field', async () => {
    await accounts.add('bob', 'viewer', 'bob-password');
    expect(await accounts.add('bob', 'admin', 'other-password')).toEqual({ ok: false, reason: 'exists' });
    await expect(accounts.add('bad name', 'viewer', 'password1')).rejects.toMatchObject({
      code: 'LARS_BAD_OPTION',
      message: expect.stringContaining('name'),
    });
    await expect(accounts.add('carol', 'root', 'password1')).rejects.toMatchObject({
      code: 'LARS_BAD_OPTION',
      message: expect.stringContaining('viewer, editor, admin'),
    });
    await expect(accounts.add('carol', 'viewer', 'short')).rejects.toMatchObject({
      code: 'LARS_BAD_OPTION',
      message: expect.stringContaining('at least 8'),
    });
    await expect(accounts.add('x'.repeat(65), 'viewer', 'password1')).rejects.toMatchObject({
      code: 'LARS_BAD_OPTION',
    });
    expect(await accounts.find('carol')).toBeNull();
  });

  it('the CHECK constraint keeps an unknown role out of WebUser', async () => {
    await expect(
      db.admin.query(
        "INSERT INTO WebUser (name, role, password_hash, password_salt, password_params, created) VALUES ('eve', 'root', '', '', '', 0)",
      ),
    ).rejects.toMatchObject({ errno: 4025, message: expect.stringContaining('ck_web_user_role') });
  });

  it('a new password replaces the old one and ends the user sessions', async () => {
    await accounts.add('dave', 'viewer', 'dave-password');
    const dave = (await accounts.find('dave'))!;
    await db.admin.query(
      "INSERT INTO WebSession (id, user_id, csrf_secret, created, last_seen, expires) VALUES (?, ?, 's', 0, 0, 9999999999999)",
      [tokenHash('t'), dave.id],
    );
    expect(await accounts.setPassword('dave', 'dave-new-password')).toMatchObject({ ok: true });
    expect(await accounts.authenticate('dave', 'dave-password')).toBeNull();
    expect(await accounts.authenticate('dave', 'dave-new-password')).toMatchObject({ name: 'dave' });
    const [sessions] = await db.admin.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM WebSession WHERE user_id = ?', [
      dave.id,
    ]);
    expect(Number(sessions[0].n)).toBe(0);
    expect(await accounts.setPassword('nobody', 'password1')).toEqual({ ok: false, reason: 'no-such-user' });
  });

  it('API tokens: shown once, stored as their SHA-256, resolve to the owner, deleted with the user', async () => {
    await accounts.add('ci', 'editor', 'ci-password-1');
    const ci = (await accounts.find('ci'))!;
    const created = await accounts.createToken(ci, 'deploy');
    if (!created.ok) throw new Error('token not created');
    expect(created.token).toMatch(/^lars_[A-Za-z0-9_-]{43}$/);
    const [rows] = await db.admin.query<RowDataPacket[]>('SELECT token_hash, last_used FROM ApiToken WHERE id = ?', [
      created.id,
    ]);
    expect(rows[0].token_hash.equals(tokenHash(created.token))).toBe(true);
    expect(Number(rows[0].last_used)).toBe(0);

    expect(await accounts.userForToken(created.token)).toEqual(ci);
    expect(await accounts.userForToken(`${created.token}x`)).toBeNull();
    expect(await accounts.userForToken('not-a-token')).toBeNull();
    expect((await accounts.listTokens(ci)).map((t) => [t.name, t.lastUsed])).toEqual([['deploy', 1_700_000_000_000]]);
    expect(await accounts.createToken(ci, 'deploy')).toEqual({ ok: false, reason: 'exists' });

    expect(await accounts.remove('ci')).toMatchObject({ ok: true });
    expect(await accounts.userForToken(created.token)).toBeNull();
    const [left] = await db.admin.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM ApiToken');
    expect(Number(left[0].n)).toBe(0);
    expect(await accounts.remove('ci')).toEqual({ ok: false, reason: 'no-such-user' });
  });
});
