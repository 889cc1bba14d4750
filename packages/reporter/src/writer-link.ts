import type { Connection } from 'mysql2/promise';
import { Backoff, type BackoffOptions, type Logger } from '@lars/reactor';
import {
  describeMysql,
  isMysqlConnectionBroken,
  MysqlLink,
  readMaxAllowedPacket,
  setLockWaitTimeout,
  mysqlErrorFields,
  upsertCallStatus,
  type CallStatusRow,
  type MysqlSettings,
} from '@lars/store';
import { ErrorCode, LarsError, LogThrottle } from '@lars/wire';

export interface WriterLinkOptions {
  mysql: MysqlSettings;
  connectTimeoutMs: number;
  /** SESSION innodb_lock_wait_timeout set on every connection (seconds); null keeps the server's. */
  lockWaitTimeoutS: number | null;
  /** Reconnect pacing while MySQL cannot be reached. */
  backoff: BackoffOptions;
  warnIntervalMs: number;
  logger: Logger;
  /** The connection came up (with the server's max_allowed_packet) or went down. */
  onState(up: boolean, maxAllowedPacket: number): void;
}

/** Resolves after `ms`, or at once when `signal` aborts; never rejects. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * A writer's MySQL connection and its state (the reporter's mysqlUp): opened
 * when the writer starts, so a wrong password or an unreachable server is
 * logged at once, naming the cause, and reopened with backoff whenever it is
 * lost, also while the writer has nothing to write. "Up" means connected;
 * a statement failing on a live connection (a lock wait, a refused row, a
 * missing table) leaves it up. Each connection reads the server's
 * max_allowed_packet (statements are sized to it) and sets the session's
 * lock wait timeout when one is configured.
 */
export class WriterLink {
  /** The server's max_allowed_packet as of the last connect; 0 before any. */
  maxAllowedPacket = 0;
  private readonly options: WriterLinkOptions;
  private readonly link: MysqlLink;
  private readonly throttle: LogThrottle;
  private up: boolean | null = null;
  private connecting: Promise<Connection> | null = null;
  /** Resolved when the current connection is lost (the keeper then reconnects). */
  private lost: () => void = () => undefined;

  constructor(options: WriterLinkOptions) {
    this.options = options;
    this.throttle = new LogThrottle(options.warnIntervalMs);
    this.link = new MysqlLink(options.mysql, options.connectTimeoutMs, (c) => this.prepare(c), {
      logger: options.logger,
    });
  }

  /** The open connection, connecting first if there is none; a failure marks the link down (logged) and is rethrown. */
  connection(): Promise<Connection> {
    this.connecting ??= this.link
      .get()
      .then(
        (c) => {
          this.setState(true);
          return c;
        },
        (err: unknown) => {
          this.setState(false, err);
          throw err;
        },
      )
      .finally(() => {
        this.connecting = null;
      });
    return this.connecting;
  }

  /**
   * One upsert; `abandon` gives up waiting for it (the close deadline: the
   * connection is torn down; a statement the server was already running,
   * e.g. waiting on a lock, may still be applied by it). A failure that breaks the connection drops it and marks the
   * link down; any failure is rethrown for the caller to classify.
   */
  upsert(rows: readonly CallStatusRow[], abandon: AbortSignal): Promise<void> {
    return this.run((c) => upsertCallStatus(c, rows), abandon);
  }

  /** Any statement(s) on the link's connection, with upsert()'s handling of the deadline and of a lost connection. */
  async run<T>(work: (c: Connection) => Promise<T>, abandon: AbortSignal): Promise<T> {
    // Connecting (MySQL unreachable: up to connectTimeoutMs) is given up at the deadline too.
    const c = await untilAborted(this.connection(), abandon);
    try {
      return await untilAborted(work(c), abandon);
    } catch (err) {
      if (abandon.aborted) this.link.abort(c);
      else if (isMysqlConnectionBroken(err)) {
        this.link.drop(c, err);
        this.setState(false, err);
      }
      throw err;
    }
  }

  /**
   * Keeps the link connected until `stop` aborts: connects at once (then
   * calls `firstAttempt`, whatever the outcome), and again, with backoff,
   * after every loss.
   */
  async keepConnected(stop: AbortSignal, firstAttempt: () => void): Promise<void> {
    const backoff = new Backoff(this.options.backoff);
    let first = true;
    while (!stop.aborted) {
      try {
        await this.connection();
        backoff.reset();
      } catch {
        // Logged by setState (throttled); wait and try again.
        if (first) firstAttempt();
        first = false;
        await pause(backoff.next(), stop);
        continue;
      }
      if (first) firstAttempt();
      first = false;
      if (stop.aborted) return;
      await new Promise<void>((resolve) => {
        const done = (): void => {
          stop.removeEventListener('abort', done);
          resolve();
        };
        this.lost = done;
        stop.addEventListener('abort', done, { once: true });
      });
    }
  }

  close(): Promise<void> {
    return this.link.close();
  }

  private async prepare(c: Connection): Promise<void> {
    this.maxAllowedPacket = await readMaxAllowedPacket(c);
    if (this.options.lockWaitTimeoutS !== null) await setLockWaitTimeout(c, this.options.lockWaitTimeoutS);
    c.once('error', (err) => {
      this.setState(false, err);
    });
  }

  /** Records the state; a change is always logged, a repeated failure at most once per warnIntervalMs per code. */
  private setState(up: boolean, err?: unknown): void {
    const changed = this.up !== up;
    this.up = up;
    const mysql = describeMysql(this.options.mysql);
    if (up) {
      if (!changed) return;
      this.options.logger.info({ mysql, maxAllowedPacket: this.maxAllowedPacket }, 'MySQL connected');
      this.options.onState(true, this.maxAllowedPacket);
      return;
    }
    if (changed) this.options.onState(false, this.maxAllowedPacket);
    this.lost();
    this.lost = () => undefined;
    const { message, ...fields } = mysqlErrorFields(err);
    const suppressed = this.throttle.take(String(fields.code ?? fields.errno ?? 'unknown'));
    if (!changed && suppressed < 0) return;
    this.options.logger.error(
      { ...fields, err: message, suppressed: Math.max(0, suppressed), mysql },
      `MySQL connection down: ${message}`,
    );
  }
}

/** `work`, or a LarsError(CLOSED) once `signal` aborts; `work`'s own late outcome is then ignored. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    // The caller gave up on it: its outcome (the connection's destruction) is of no interest.
    work.catch(() => undefined);
    return Promise.reject(new LarsError(ErrorCode.CLOSED, 'abandoned at the close deadline'));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      work.catch(() => undefined);
      reject(new LarsError(ErrorCode.CLOSED, 'abandoned at the close deadline'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
