// What a failed MySQL call means for whoever retries it. The code lists are
// written once here; callers switch on the class, never on codes.
import type { LogThrottle } from '@lars/wire';

/** What to do about a failed MySQL call. */
export const MysqlErrorClass = {
  /** The server or the connection was not there, or the statement lost a race: retry the same work later. */
  TRANSIENT: 'transient',
  /** This row's data is unacceptable: retrying it fails again, the other rows may go through. */
  ROW: 'row',
  /** Nothing will work until someone fixes the setup (credentials, database, schema, SQL). */
  FATAL: 'fatal',
} as const;
export type MysqlErrorClass = (typeof MysqlErrorClass)[keyof typeof MysqlErrorClass];

/** Node socket and mysql2 protocol error codes (`err.code`) of a connection that failed or went away. */
export const TRANSIENT_CONNECTION_CODES = [
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
] as const;

/** Server and client error numbers (`err.errno`) worth retrying. */
export const TRANSIENT_ERRNOS = {
  1040: 'too many connections',
  1047: 'node not ready (Galera WSREP not prepared)',
  1053: 'server shutdown in progress',
  1205: 'lock wait timeout',
  // Galera reports a certification conflict (a write set that lost to another node's) as 1213 too.
  1213: 'deadlock (or a Galera certification conflict)',
  1290: 'read-only (--read-only, a node not yet synced)',
  1927: 'connection killed',
  2002: 'cannot connect (socket)',
  2003: 'cannot connect (TCP)',
  2006: 'server has gone away',
  2013: 'lost connection during query',
  4031: 'disconnected by the server (idle timeout)',
} as const;

/** Server error numbers of one row's data (strict mode rejects the value, or a key conflicts). */
export const ROW_ERRNOS = {
  1048: 'column cannot be null',
  1062: 'duplicate entry',
  1263: 'NULL supplied to a NOT NULL column',
  1264: 'out of range value',
  1265: 'data truncated',
  1292: 'incorrect value (date, time, number)',
  1366: 'incorrect integer or string value',
  1367: 'illegal value',
  1406: 'data too long',
  1411: 'incorrect value for a function',
  1451: 'row still referenced (foreign key)',
  1452: 'referenced row missing (foreign key)',
  1690: 'value out of range in an expression',
  3819: 'check constraint violated (MySQL)',
  4025: 'check constraint violated (MariaDB)',
} as const;

/**
 * Server error numbers of a statement too big for the server (over its
 * max_allowed_packet): the same statement fails again, smaller ones may not.
 * The server closes the connection after 1153.
 */
export const STATEMENT_TOO_LARGE_ERRNOS = {
  1153: "packet bigger than 'max_allowed_packet'",
  1301: "result bigger than 'max_allowed_packet'",
} as const;

const transientCodes: ReadonlySet<string> = new Set(TRANSIENT_CONNECTION_CODES);
const transientErrnos: ReadonlySet<number> = new Set(Object.keys(TRANSIENT_ERRNOS).map(Number));
const rowErrnos: ReadonlySet<number> = new Set(Object.keys(ROW_ERRNOS).map(Number));

const tooLargeErrnos: ReadonlySet<number> = new Set(Object.keys(STATEMENT_TOO_LARGE_ERRNOS).map(Number));
/** Client and server error numbers after which the connection is gone (as opposed to a statement that failed on a live one). */
const connectionGoneErrnos: ReadonlySet<number> = new Set([1053, 1153, 1927, 2002, 2003, 2006, 2013, 4031]);

/** Causes looked through at most: a wrapper of a wrapper of the driver's error. */
const MAX_CAUSE_DEPTH = 4;

function classifyOne(err: { code?: unknown; errno?: unknown }): MysqlErrorClass | null {
  if (typeof err.errno === 'number') {
    if (transientErrnos.has(err.errno)) return MysqlErrorClass.TRANSIENT;
    if (rowErrnos.has(err.errno)) return MysqlErrorClass.ROW;
  }
  if (typeof err.code === 'string' && transientCodes.has(err.code)) return MysqlErrorClass.TRANSIENT;
  return null;
}

/**
 * Classifies an error thrown by mysql2 (or a Node socket under it). A
 * wrapping error is looked through its `cause` chain, and an AggregateError
 * (one connect attempt per address) through its `errors`; anything
 * unrecognised is fatal, so an unknown failure is never retried forever.
 */
export function classifyMysqlError(err: unknown): MysqlErrorClass {
  let current: unknown = err;
  for (let depth = 0; depth <= MAX_CAUSE_DEPTH && typeof current === 'object' && current !== null; depth++) {
    const found = classifyOne(current as { code?: unknown; errno?: unknown });
    if (found !== null) return found;
    if (current instanceof AggregateError && current.errors.length > 0) {
      const classes = current.errors.map(classifyMysqlError);
      return classes.every((c) => c === MysqlErrorClass.TRANSIENT) ? MysqlErrorClass.TRANSIENT : MysqlErrorClass.FATAL;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return MysqlErrorClass.FATAL;
}

/** Walks `err` and its `cause` chain (and an AggregateError's first error) until `test` holds for one of them. */
function someInChain(err: unknown, test: (e: Record<string, unknown>) => boolean): boolean {
  let current: unknown = err;
  for (let depth = 0; depth <= MAX_CAUSE_DEPTH && typeof current === 'object' && current !== null; depth++) {
    if (test(current as Record<string, unknown>)) return true;
    current =
      current instanceof AggregateError && current.errors.length > 0
        ? current.errors[0]
        : (current as { cause?: unknown }).cause;
  }
  return false;
}

/** True when the statement was too big for the server (STATEMENT_TOO_LARGE_ERRNOS): split it, never resend it as is. */
export function isStatementTooLarge(err: unknown): boolean {
  return someInChain(err, (e) => typeof e.errno === 'number' && tooLargeErrnos.has(e.errno));
}

/**
 * True when the connection the call ran on is unusable afterwards (mysql2
 * marks such errors `fatal`; a socket code, a communication SQLSTATE 08xxx,
 * or a server or client errno that ends the session): open a new one. False
 * for a statement that failed on a live connection (a lock wait, a refused
 * row, a missing table), which can be kept.
 */
export function isMysqlConnectionBroken(err: unknown): boolean {
  return someInChain(
    err,
    (e) =>
      e.fatal === true ||
      (typeof e.code === 'string' && transientCodes.has(e.code)) ||
      (typeof e.sqlState === 'string' && e.sqlState.startsWith('08')) ||
      (typeof e.errno === 'number' && connectionGoneErrnos.has(e.errno)),
  );
}

/**
 * Error numbers after which the server a connection is on cannot serve the
 * next statement either, though the connection may be up: 1047 (a Galera
 * node not ready), 1290 (read-only, e.g. a node not yet synced). The next
 * connect should try another address.
 */
export const NODE_UNUSABLE_ERRNOS: ReadonlySet<number> = new Set([1047, 1290]);

/** The connection broke, or the server it is on cannot serve (NODE_UNUSABLE_ERRNOS): connect elsewhere. */
export function isMysqlNodeUnusable(err: unknown): boolean {
  return isMysqlConnectionBroken(err) || NODE_UNUSABLE_ERRNOS.has((err as { errno?: unknown })?.errno as number);
}

/** True when retrying the same work later may succeed. */
export function isTransientMysqlError(err: unknown): boolean {
  return classifyMysqlError(err) === MysqlErrorClass.TRANSIENT;
}

/** What a log line says about a failed MySQL call: the driver's code and number, and the class above. */
export interface MysqlErrorFields {
  /** mysql2's or the socket's `code` (`ER_NO_SUCH_TABLE`, `ECONNREFUSED`); undefined when it has none. */
  code: string | undefined;
  /** The server's error number (1146), a client one (2013) or the socket's (-111). */
  errno: number | undefined;
  sqlState: string | undefined;
  class: MysqlErrorClass;
  message: string;
}

/**
 * The fields of `err` a log line needs: of the first error in its cause chain
 * (or the first of an AggregateError) that carries a code or errno, with the
 * outer error's message. Never its SQL or parameters (they may hold data).
 */
export function mysqlErrorFields(err: unknown): MysqlErrorFields {
  let found: { code?: unknown; errno?: unknown; sqlState?: unknown } | null = null;
  let current: unknown = err;
  for (let depth = 0; depth <= MAX_CAUSE_DEPTH && typeof current === 'object' && current !== null; depth++) {
    const e = current as { code?: unknown; errno?: unknown; sqlState?: unknown; cause?: unknown };
    if (e.code !== undefined || e.errno !== undefined) {
      found = e;
      break;
    }
    current = current instanceof AggregateError && current.errors.length > 0 ? current.errors[0] : e.cause;
  }
  return {
    code: typeof found?.code === 'string' ? found.code : undefined,
    errno: typeof found?.errno === 'number' ? found.errno : undefined,
    sqlState: typeof found?.sqlState === 'string' ? found.sqlState : undefined,
    class: classifyMysqlError(err),
    message: err instanceof Error ? err.message : String(err),
  };
}

/** A throttled log line's fields for a failed MySQL call: mysqlErrorFields with the message as `err`. */
export type MysqlErrorLogFields = Omit<MysqlErrorFields, 'message'> & { err: string; suppressed: number };

/**
 * The fields to log for `err`, or null when `throttle` says a line for the
 * same code (or errno) went out within its interval; `suppressed` counts the
 * ones held back since. What a retrying worker logs on every failure.
 */
export function throttledMysqlError(err: unknown, throttle: LogThrottle): MysqlErrorLogFields | null {
  const { message, ...fields } = mysqlErrorFields(err);
  const suppressed = throttle.take(String(fields.code ?? fields.errno ?? 'unknown'));
  return suppressed < 0 ? null : { ...fields, err: message, suppressed };
}
