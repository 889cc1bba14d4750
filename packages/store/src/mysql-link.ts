import { createConnection, createPool, type Connection, type Pool } from 'mysql2/promise';
import type { Logger } from '@lars/reactor';
import { LogThrottle } from '@lars/wire';
import { isMysqlNodeUnusable, mysqlErrorFields } from './mysql-errors.js';
import { FailoverStream } from './mysql-failover-stream.js';
import { MysqlFailover, type MysqlFailoverEvent, type MysqlFailoverOptions } from './mysql-failover.js';
import { formatMysqlAddress, mysqlAddresses, type MysqlAddress, type MysqlSettings } from './mysql-settings.js';

/** mysql2's default connect timeout, for a pool given none. */
const MYSQL2_CONNECT_TIMEOUT_MS = 10_000;
/** At most one failover line per this interval (a flapping server must not flood the log). */
const FAILOVER_LOG_INTERVAL_MS = 10_000;

/** One MySQL connection to `a` (the credentials and database of `s`). */
function openMysql(s: MysqlSettings, a: MysqlAddress, connectTimeoutMs: number): Promise<Connection> {
  return createConnection({
    host: a.host,
    port: a.port,
    user: s.user,
    password: s.password,
    database: s.database,
    connectTimeout: connectTimeoutMs,
  });
}

/**
 * One connection to `s.database` as `s.user`, at the first of
 * mysqlAddresses(s) that answers (from `failover`'s current address when
 * given: a holder that connects repeatedly passes its own).
 */
export function connectMysql(
  s: MysqlSettings,
  connectTimeoutMs: number,
  failover: MysqlFailover = new MysqlFailover(mysqlAddresses(s)),
): Promise<Connection> {
  return failover.connect((a) => openMysql(s, a, connectTimeoutMs));
}

/** MysqlFailover's onFailover for `logger`: a warning naming both addresses, at most one per interval. */
export function logMysqlFailover(
  logger: Logger,
  intervalMs = FAILOVER_LOG_INTERVAL_MS,
): (e: MysqlFailoverEvent) => void {
  const throttle = new LogThrottle(intervalMs);
  return (e) => {
    const suppressed = throttle.take('failover');
    if (suppressed < 0) return;
    const { message, ...fields } = mysqlErrorFields(e.err);
    logger.warn(
      { ...fields, err: message, from: formatMysqlAddress(e.from), to: formatMysqlAddress(e.to), suppressed },
      `MySQL failover: ${formatMysqlAddress(e.from)} ${e.reason}; next connect starts at ${formatMysqlAddress(e.to)}`,
    );
  };
}

export interface MysqlPoolOptions {
  connectionLimit: number;
  connectTimeoutMs?: number;
  supportBigNumbers?: boolean;
  /** Where failovers are logged (throttled). */
  logger?: Logger;
  /** The failover's pacing and clock (tests). */
  failover?: MysqlFailoverOptions;
}

/**
 * A pool of connections to `s.database` as `s.user` (the console and its
 * user tool). With several addresses, each new connection's socket goes to
 * the first that accepts one (FailoverStream), starting from the one that
 * last did: one MysqlFailover per pool.
 */
export function createMysqlPool(s: MysqlSettings, options: MysqlPoolOptions): Pool {
  const addresses = mysqlAddresses(s);
  const common = {
    user: s.user,
    password: s.password,
    database: s.database,
    connectionLimit: options.connectionLimit,
    supportBigNumbers: options.supportBigNumbers,
  };
  if (addresses.length === 1) {
    return createPool({ ...common, ...addresses[0], connectTimeout: options.connectTimeoutMs });
  }
  const perAddressMs = options.connectTimeoutMs ?? MYSQL2_CONNECT_TIMEOUT_MS;
  const failover = new MysqlFailover(addresses, {
    ...options.failover,
    onFailover: options.failover?.onFailover ?? (options.logger ? logMysqlFailover(options.logger) : undefined),
  });
  return createPool({
    ...common,
    stream: () => new FailoverStream(failover, perAddressMs),
    // mysql2's timer covers the whole handshake: every address may be tried first.
    connectTimeout: perAddressMs * addresses.length,
  });
}

export interface MysqlLinkOptions {
  /** Where failovers are logged (throttled). */
  logger?: Logger;
  /** The failover's pacing and clock (tests). */
  failover?: MysqlFailoverOptions;
}

/** What a connection the server closed (its FIN read, no error yet) broke with. */
function serverClosed(): Error {
  return Object.assign(new Error('Connection lost: the server closed the connection'), {
    code: 'PROTOCOL_CONNECTION_LOST',
    fatal: true,
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
  /** The address `conn` is connected to. */
  private connAddress: MysqlAddress | null = null;
  private readonly failover: MysqlFailover;

  /**
   * `onConnect` runs on every new connection before it is handed out (read
   * server limits, set session variables); if it throws, the connection is
   * destroyed and get() rethrows.
   */
  constructor(
    private readonly settings: MysqlSettings,
    private readonly connectTimeoutMs: number,
    private readonly onConnect?: (c: Connection) => Promise<void>,
    options: MysqlLinkOptions = {},
  ) {
    const onFailover = options.failover?.onFailover ?? (options.logger ? logMysqlFailover(options.logger) : undefined);
    this.failover = new MysqlFailover(mysqlAddresses(settings), { ...options.failover, onFailover });
  }

  /** Times a connect moved on to another address (connect failed, or a connection broke). */
  get failovers(): number {
    return this.failover.failovers;
  }

  /**
   * The open connection, or a new one at the first address that answers
   * (and passes `onConnect`: a node that fails it is skipped too).
   */
  async get(): Promise<Connection> {
    if (this.conn === null) {
      let address: MysqlAddress | null = null;
      const c = await this.failover.connect(async (a) => {
        const opened = await openMysql(this.settings, a, this.connectTimeoutMs);
        if (this.onConnect !== undefined) {
          try {
            await this.onConnect(opened);
          } catch (err) {
            opened.destroy();
            throw err;
          }
        }
        address = a;
        return opened;
      });
      c.on('error', (err) => this.forget(c, err));
      // mysql2 reports the server's close as an error only once the socket
      // has closed, a turn or more after the FIN was read ('end'); a write in
      // between fails (EPIPE, "ended by the other party"), so 'end' lets the
      // connection go. Not destroyed here: mysql2 then drops the error a
      // statement in flight on it is waiting for.
      c.on('end', () => this.letGo(c, serverClosed()));
      this.conn = c;
      this.connAddress = address;
    }
    return this.conn;
  }

  /** Forgets `c` (after a query that broke it) so the next get() reconnects, starting at the next address. */
  drop(c: Connection, err?: unknown): void {
    this.forget(c, err ?? new Error('connection dropped'));
  }

  /** Forgets `c`; `broke` (the error that broke it, or null) moves the next connect to the next address. */
  private forget(c: Connection, broke: unknown): void {
    this.letGo(c, broke);
    c.destroy();
  }

  /** Stops handing `c` out, leaving it to close itself (a statement in flight on it still gets its error). */
  private letGo(c: Connection, broke: unknown): void {
    if (this.conn !== c) return;
    if (broke !== null && this.connAddress !== null) this.failover.broke(this.connAddress, broke);
    this.conn = null;
    this.connAddress = null;
  }

  /**
   * Forgets `c` and tears its socket down at once. mysql2's destroy() only
   * half-closes the socket, which stays open while the server is busy with
   * a statement (waiting on a lock): a worker that gives up on a statement
   * must not be kept alive by it. The server may still finish that statement.
   */
  abort(c: Connection): void {
    this.forget(c, null);
    (c as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
  }

  /**
   * Runs `work` on the connection; on failure drops it and rethrows (the
   * next connect moves to the next address when the error says this server
   * cannot serve: the connection broke, 1047, 1290).
   */
  async use<T>(work: (c: Connection) => Promise<T>): Promise<T> {
    const c = await this.get();
    try {
      return await work(c);
    } catch (err) {
      this.forget(c, isMysqlNodeUnusable(err) ? err : null);
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
