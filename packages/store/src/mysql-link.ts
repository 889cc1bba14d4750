import { createConnection, createPool, type Connection, type Pool } from 'mysql2/promise';
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

/** A pool of connections to `s.database` as `s.user` (the console and its user tool). */
export function createMysqlPool(
  s: MysqlSettings,
  options: { connectionLimit: number; connectTimeoutMs?: number; supportBigNumbers?: boolean },
): Pool {
  return createPool({
    host: s.host,
    port: s.port,
    user: s.user,
    password: s.password,
    database: s.database,
    connectionLimit: options.connectionLimit,
    connectTimeout: options.connectTimeoutMs,
    supportBigNumbers: options.supportBigNumbers,
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

  /**
   * `onConnect` runs on every new connection before it is handed out (read
   * server limits, set session variables); if it throws, the connection is
   * destroyed and get() rethrows.
   */
  constructor(
    private readonly settings: MysqlSettings,
    private readonly connectTimeoutMs: number,
    private readonly onConnect?: (c: Connection) => Promise<void>,
  ) {}

  async get(): Promise<Connection> {
    if (this.conn === null) {
      const c = await connectMysql(this.settings, this.connectTimeoutMs);
      c.on('error', () => this.drop(c));
      if (this.onConnect !== undefined) {
        try {
          await this.onConnect(c);
        } catch (err) {
          c.destroy();
          throw err;
        }
      }
      this.conn = c;
    }
    return this.conn;
  }

  /** Forgets `c` (after a failed query) so the next get() reconnects. */
  drop(c: Connection): void {
    if (this.conn === c) this.conn = null;
    c.destroy();
  }

  /**
   * Forgets `c` and tears its socket down at once. mysql2's destroy() only
   * half-closes the socket, which stays open while the server is busy with
   * a statement (waiting on a lock): a worker that gives up on a statement
   * must not be kept alive by it. The server may still finish that statement.
   */
  abort(c: Connection): void {
    this.drop(c);
    (c as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
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
