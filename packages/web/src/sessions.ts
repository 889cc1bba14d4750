import { randomBytes } from 'node:crypto';
import type { Pool, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { randomToken, tokenHash, type WebUser } from './accounts.js';
import { isRole } from './roles.js';

/** A logged-in browser: who, and the secret its CSRF tokens are made from. */
export interface WebSessionInfo {
  user: WebUser;
  csrfSecret: string;
  expires: number;
}

/** How often a session's last_seen and expiry are written at most: not one UPDATE per request. */
const TOUCH_EVERY_MS = 60_000;
/** Expired rows deleted per statement of a sweep (small batches: no long lock on WebSession). */
const SWEEP_BATCH = 1000;

/**
 * Sessions in MySQL (WebSession), so several console instances behind one
 * address share them and a restart logs nobody out. The cookie holds a
 * random token; the table holds its SHA-256. A session lives `ttlMs` past
 * its last request.
 */
export class SessionStore {
  constructor(
    private readonly pool: Pool,
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {}

  /** A new session of `user`: the token goes into the cookie, never into the table. */
  async create(user: WebUser, address: string): Promise<{ token: string; csrfSecret: string }> {
    const token = randomToken();
    const csrfSecret = randomBytes(18).toString('base64url');
    const t = this.now();
    await this.pool.query(
      'INSERT INTO WebSession (id, user_id, csrf_secret, created, last_seen, expires, address) VALUES (?, ?, ?, ?, ?, ?, ?)',
      [tokenHash(token), user.id, csrfSecret, t, t, t + this.ttlMs, address.slice(0, 64)],
    );
    return { token, csrfSecret };
  }

  /** The unexpired session of `token`, its expiry pushed forward (at most once a minute), or null. */
  async lookup(token: string): Promise<WebSessionInfo | null> {
    if (token.length === 0 || token.length > 64) return null;
    const id = tokenHash(token);
    const t = this.now();
    const [rows] = await this.pool.query<RowDataPacket[]>(
      `SELECT s.csrf_secret, s.last_seen, s.expires, u.id, u.name, u.role
         FROM WebSession s JOIN WebUser u ON u.id = s.user_id
        WHERE s.id = ? AND s.expires > ?`,
      [id, t],
    );
    if (rows.length === 0) return null;
    const r = rows[0];
    if (!isRole(r.role)) return null;
    let expires = Number(r.expires);
    if (t - Number(r.last_seen) >= TOUCH_EVERY_MS) {
      expires = t + this.ttlMs;
      await this.pool.query('UPDATE WebSession SET last_seen = ?, expires = ? WHERE id = ?', [t, expires, id]);
    }
    return { user: { id: r.id, name: r.name, role: r.role }, csrfSecret: r.csrf_secret, expires };
  }

  async destroy(token: string): Promise<void> {
    await this.pool.query('DELETE FROM WebSession WHERE id = ?', [tokenHash(token)]);
  }

  /** Deletes expired sessions in batches; returns how many unexpired ones are left. */
  async sweep(): Promise<number> {
    const t = this.now();
    for (;;) {
      const [res] = await this.pool.query<ResultSetHeader>('DELETE FROM WebSession WHERE expires <= ? LIMIT ?', [
        t,
        SWEEP_BATCH,
      ]);
      if (res.affectedRows < SWEEP_BATCH) break;
    }
    const [rows] = await this.pool.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM WebSession');
    return Number(rows[0].n);
  }
}
