/**
 * Stable codes of the errors the SDK returns inside `{ ret: SYSTEM_ERROR, error }`.
 * Switch on `error.code`, never on the message text.
 */
export const ClientErrorCode = {
  /** No reply from the agent within `timeoutMs`, after every retry: the agent is down or datagrams are lost. */
  TIMEOUT: 'LARS_TIMEOUT',
  /** The client was closed while the call was pending. */
  CLOSED: 'LARS_CLOSED',
  /** The request could not be handed to the socket (e.g. the agent address did not resolve). */
  SEND_FAILED: 'LARS_SEND_FAILED',
  /** The agent answered SYSTEM_ERROR, or an answer the SDK cannot use (SUCC without a host, an unknown retcode). */
  AGENT_ERROR: 'LARS_AGENT_ERROR',
} as const;
/** One of the {@link ClientErrorCode} values. */
export type ClientErrorCode = (typeof ClientErrorCode)[keyof typeof ClientErrorCode];

/**
 * Why a call resolved as SYSTEM_ERROR. It is returned as a value, never
 * thrown: the SDK throws only for misuse (LarsError BAD_OPTION / CLOSED).
 */
export class LarsClientError extends Error {
  /** Stable machine-readable reason. */
  readonly code: ClientErrorCode;

  /**
   * @param code - the stable reason
   * @param message - a human-readable explanation (for logs)
   * @param options - `cause`: the underlying error, if any
   */
  constructor(code: ClientErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LarsClientError';
    this.code = code;
  }
}
