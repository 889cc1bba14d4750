/**
 * The one registry of stable error codes of Lars-TS: every LarsError (and
 * subclass, such as the SDK's LarsClientError) carries one of these. Callers
 * switch on `code`, never on message text. A package that returns or throws
 * only some of them derives its subset from this object; it never lists the
 * strings again.
 */
export const ErrorCode = {
  BAD_FRAME: 'LARS_BAD_FRAME',
  BAD_BODY: 'LARS_BAD_BODY',
  DUPLICATE_HANDLER: 'LARS_DUPLICATE_HANDLER',
  QUEUE_FULL: 'LARS_QUEUE_FULL',
  RECORD_TOO_LARGE: 'LARS_RECORD_TOO_LARGE',
  NOT_CONNECTED: 'LARS_NOT_CONNECTED',
  /** A closed client/server was used, or a pending call was settled by close(). */
  CLOSED: 'LARS_CLOSED',
  BAD_CONFIG: 'LARS_BAD_CONFIG',
  /** An invalid option, argument or environment variable (the message names it and the value). */
  BAD_OPTION: 'LARS_BAD_OPTION',
  /** No reply within the timeout, after every retry. */
  TIMEOUT: 'LARS_TIMEOUT',
  /** A daemon older than the oldest version the database's applied migrations still support. */
  SCHEMA_TOO_NEW: 'LARS_SCHEMA_TOO_NEW',
  /** A migration file is malformed, or differs from the one recorded as applied. */
  BAD_MIGRATION: 'LARS_BAD_MIGRATION',
  /** The request could not be handed to the socket (e.g. the agent address did not resolve). */
  SEND_FAILED: 'LARS_SEND_FAILED',
  /** The agent answered SYSTEM_ERROR, or an answer the SDK cannot use (SUCC without a host, an unknown retcode). */
  AGENT_ERROR: 'LARS_AGENT_ERROR',
  /**
   * Nothing listens on the agent's port: the kernel reported ICMP port (or
   * host/network) unreachable on the SDK's connected socket, so the call was
   * settled at once instead of waiting out its retries.
   */
  AGENT_UNREACHABLE: 'LARS_AGENT_UNREACHABLE',
  /** The native UDP addon (@lars/udp-native) could not be loaded: not Linux, not built, or built for another Node ABI. */
  NATIVE_UNAVAILABLE: 'LARS_NATIVE_UNAVAILABLE',
  /** socket(2), setsockopt(2) or bind(2) failed; the error's `errno` names why (EADDRINUSE, EACCES, ...). */
  BIND_FAILED: 'LARS_BIND_FAILED',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** The base class of every error Lars-TS throws or returns: `instanceof LarsError` holds for all of them. */
export class LarsError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LarsError';
    this.code = code;
  }
}

/** Throws LARS_BAD_OPTION naming the option when `ok` is false. */
export function checkOption(ok: boolean, name: string, why: string): void {
  if (!ok) throw new LarsError(ErrorCode.BAD_OPTION, `invalid option ${name}: ${why}`);
}
