import { createHash, randomBytes } from 'node:crypto';
import { checkOption } from '@lars/wire';
import type { Pool, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { dummyHash, hashPassword, type PasswordHash, type ScryptParams, verifyPassword } from './password-hash.js';
import { isRole, ROLE_NAMES, type Role } from './roles.js';

/** A console user as the rest of the console sees it (never the hash). */
export interface WebUser {
  id: number;
  name: string;
  role: Role;
}

/** What an account change did: expected outcomes are values, not exceptions. */
export type AccountResult = { ok: true; user: WebUser } | { ok: false; reason: 'exists' | 'no-such-user' };

export const USER_NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
export const PASSWORD_MIN = 8;
/** scrypt reads the whole password: a bound keeps a 1 MB "password" from costing more than a real one. */
export const PASSWORD_MAX = 1024;
export const TOKEN_NAME = /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/;
const TOKEN_PREFIX = 'lars_';

/** Why `name` is not a user name, or null. */
export function userNameProblem(name: string): string | null {
  return USER_NAME.test(name)
    ? null
    : 'a user name is 1..64 characters: letters, digits and . _ @ - (starting with a letter or digit)';
}

/** Why `password` is not acceptable, or null. */
export function passwordProblem(password: string): string | null {
  if (password.length < PASSWORD_MIN) return `a password has at least ${PASSWORD_MIN} characters`;
  if (password.length > PASSWORD_MAX) return `a password has at most ${PASSWORD_MAX} characters`;
  return null;
}

/** SHA-256 of a random token: what WebSession.id and ApiToken.token_hash hold. */
export function tokenHash(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

/** 32 random bytes, base64url: a session cookie or, with the `lars_` prefix, an API token. */
export function randomToken(prefix = ''): string {
  return `${prefix}${randomBytes(32).toString('base64url')}`;
}

interface UserRow extends RowDataPacket {
  id: number;
  name: string;
  role: string;
  password_hash: Buffer;
  password_salt: Buffer;
  password_params: string;
}

function toUser(row: { id: number; name: string; role: string }): WebUser {
  // The CHECK constraint keeps other values out; a row edited past it is refused, not trusted.
  if (!isRole(row.role)) throw new Error(`WebUser ${row.name} has an unknown role "${row.role}"`);
  return { id: row.id, name: row.name, role: row.role };
}

export interface ApiTokenInfo {
  id: number;
  name: string;
  created: number;
  lastUsed: number;
}

/**
 * Users and API tokens in MySQL (WebUser, ApiToken; migration
 * 0004-web-console.sql). Passwords: scrypt with a per-user salt
 * (password-hash.ts); tokens: only their SHA-256 is stored, the token itself
 * is shown once when created.
 */
export class Accounts {
  constructor(
    private readonly pool: Pool,
    private readonly now: () => number = Date.now,
    private readonly scrypt?: ScryptParams,
  ) {}

  async count(): Promise<number> {
    const [rows] = await this.pool.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM WebUser');
    return Number(rows[0].n);
  }

  async list(): Promise<WebUser[]> {
    const [rows] = await this.pool.query<RowDataPacket[]>('SELECT id, name, role FROM WebUser ORDER BY name');
    return rows.map((r) => toUser(r as UserRow));
  }

  async find(name: string): Promise<WebUser | null> {
    const [rows] = await this.pool.query<UserRow[]>('SELECT id, name, role FROM WebUser WHERE name = ?', [name]);
    return rows.length === 0 ? null : toUser(rows[0]);
  }

  async byId(id: number): Promise<WebUser | null> {
    const [rows] = await this.pool.query<UserRow[]>('SELECT id, name, role FROM WebUser WHERE id = ?', [id]);
    return rows.length === 0 ? null : toUser(rows[0]);
  }

  /** Creates a user; a bad name, role or password is a LARS_BAD_OPTION error naming it. */
  async add(name: string, role: string, password: string): Promise<AccountResult> {
    checkOption(userNameProblem(name) === null, 'name', userNameProblem(name) ?? '');
    checkOption(isRole(role), 'role', `must be one of ${ROLE_NAMES.join(', ')}`);
    checkOption(passwordProblem(password) === null, 'password', passwordProblem(password) ?? '');
    const h = await hashPassword(password, this.scrypt);
    try {
      const [res] = await this.pool.query<ResultSetHeader>(
        'INSERT INTO WebUser (name, role, password_hash, password_salt, password_params, created) VALUES (?, ?, ?, ?, ?, ?)',
        [name, role, h.hash, h.salt, h.params, this.now()],
      );
      return { ok: true, user: { id: res.insertId, name, role: role as Role } };
    } catch (err) {
      if ((err as { code?: string }).code === 'ER_DUP_ENTRY') return { ok: false, reason: 'exists' };
      throw err;
    }
  }

  /** Sets a new password; the user's sessions end (a changed password logs every browser out). */
  async setPassword(name: string, password: string): Promise<AccountResult> {
    checkOption(passwordProblem(password) === null, 'password', passwordProblem(password) ?? '');
    const user = await this.find(name);
    if (user === null) return { ok: false, reason: 'no-such-user' };
    const h = await hashPassword(password, this.scrypt);
    await this.pool.query('UPDATE WebUser SET password_hash = ?, password_salt = ?, password_params = ? WHERE id = ?', [
      h.hash,
      h.salt,
      h.params,
      user.id,
    ]);
    await this.pool.query('DELETE FROM WebSession WHERE user_id = ?', [user.id]);
    return { ok: true, user };
  }

  /** Deletes a user with their sessions and API tokens (ON DELETE CASCADE). */
  async remove(name: string): Promise<AccountResult> {
    const user = await this.find(name);
    if (user === null) return { ok: false, reason: 'no-such-user' };
    await this.pool.query('DELETE FROM WebUser WHERE id = ?', [user.id]);
    return { ok: true, user };
  }

  /**
   * The user when `password` is theirs, else null. An unknown name is hashed
   * against a dummy, so the time taken does not tell which names exist.
   */
  async authenticate(name: string, password: string): Promise<WebUser | null> {
    if (password.length > PASSWORD_MAX) return null;
    const [rows] = await this.pool.query<UserRow[]>(
      'SELECT id, name, role, password_hash, password_salt, password_params FROM WebUser WHERE name = ?',
      [name],
    );
    if (rows.length === 0) {
      await verifyPassword(password, await dummyHash());
      return null;
    }
    const row = rows[0];
    const stored: PasswordHash = { hash: row.password_hash, salt: row.password_salt, params: row.password_params };
    return (await verifyPassword(password, stored)) ? toUser(row) : null;
  }

  /** A new API token of `user`: the token is returned once, only its hash is kept. */
  async createToken(
    user: WebUser,
    name: string,
  ): Promise<{ ok: true; token: string; id: number } | { ok: false; reason: 'exists' }> {
    checkOption(TOKEN_NAME.test(name), 'name', 'a token name is 1..64 characters: letters, digits, space and . _ -');
    const token = randomToken(TOKEN_PREFIX);
    try {
      const [res] = await this.pool.query<ResultSetHeader>(
        'INSERT INTO ApiToken (user_id, name, token_hash, created) VALUES (?, ?, ?, ?)',
        [user.id, name, tokenHash(token), this.now()],
      );
      return { ok: true, token, id: res.insertId };
    } catch (err) {
      if ((err as { code?: string }).code === 'ER_DUP_ENTRY') return { ok: false, reason: 'exists' };
      throw err;
    }
  }

  async listTokens(user: WebUser): Promise<ApiTokenInfo[]> {
    const [rows] = await this.pool.query<RowDataPacket[]>(
      'SELECT id, name, created, last_used FROM ApiToken WHERE user_id = ? ORDER BY name',
      [user.id],
    );
    return rows.map((r) => ({ id: r.id, name: r.name, created: Number(r.created), lastUsed: Number(r.last_used) }));
  }

  /** Deletes one of `user`'s tokens; false when it has none of that id. */
  async deleteToken(user: WebUser, id: number): Promise<boolean> {
    const [res] = await this.pool.query<ResultSetHeader>('DELETE FROM ApiToken WHERE id = ? AND user_id = ?', [
      id,
      user.id,
    ]);
    return res.affectedRows > 0;
  }

  /** The owner of `token` (and notes its use), or null. */
  async userForToken(token: string): Promise<WebUser | null> {
    if (!token.startsWith(TOKEN_PREFIX) || token.length > 128) return null;
    const hash = tokenHash(token);
    const [rows] = await this.pool.query<UserRow[]>(
      'SELECT u.id, u.name, u.role FROM ApiToken t JOIN WebUser u ON u.id = t.user_id WHERE t.token_hash = ?',
      [hash],
    );
    if (rows.length === 0) return null;
    await this.pool.query('UPDATE ApiToken SET last_used = ? WHERE token_hash = ?', [this.now(), hash]);
    return toUser(rows[0]);
  }
}
