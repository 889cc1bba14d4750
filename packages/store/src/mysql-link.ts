import { createConnection, type Connection } from 'mysql2/promise';
import type { MysqlSettings } from './mysql-settings.js';

/** One connection to `s.database` as `s.user`. */
export function connectMysql(s: MysqlSettings, connectTimeoutMs: number): Promise<Connection> {
  return createConnection({
    host: s.host,
    port: s.port,
    user: s.user,
    password: s.password,
    database: s.database,
    connectTimeout: connectTimeoutMs,
  });
}

/**
 * One MySQL connection held by a long-lived worker (the DNS loader, a
 * reporter writer): opened on first use, dropped on any error so the next
 * use opens a fresh one. A connection error is caught here, never left to
 * kill the thread.
 */
export class MysqlLink {
  private conn: Connection | null = null;

  constructor(
    private readonly settings: MysqlSettings,
    private readonly connectTimeoutMs: number,
  ) {}

  async get(): Promise<Connection> {
    if (this.conn === null) {
      const c = await connectMysql(this.settings, this.connectTimeoutMs);
      c.on('error', () => this.drop(c));
      this.conn = c;
    }
    return this.conn;
  }

  /** Forgets `c` (after a failed query) so the next get() reconnects. */
  drop(c: Connection): void {
    if (this.conn === c) this.conn = null;
    c.destroy();
  }

  /** Runs `work` on the connection; on failure drops it and rethrows. */
  async use<T>(work: (c: Connection) => Promise<T>): Promise<T> {
    const c = await this.get();
    try {
      return await work(c);
    } catch (err) {
      this.drop(c);
      throw err;
    }
  }

  async close(): Promise<void> {
    const c = this.conn;
    this.conn = null;
    // A connection that cannot end politely (the server is gone) is torn down instead.
    await c?.end().catch(() => c.destroy());
  }
}
