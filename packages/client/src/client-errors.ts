import { ErrorCode, LarsError } from '@lars/wire';

/** The names (keys of the wire's ErrorCode registry) of the codes the SDK returns. */
const RETURNED = [
  'TIMEOUT',
  'CLOSED',
  'SEND_FAILED',
  'AGENT_ERROR',
  'AGENT_UNREACHABLE',
] as const satisfies ReadonlyArray<keyof typeof ErrorCode>;

/**
 * The codes the SDK returns inside `{ ret: SYSTEM_ERROR, error }`: a subset
 * of the one registry {@link ErrorCode} (see it for what each means), with
 * the same values, so `ClientErrorCode.TIMEOUT === ErrorCode.TIMEOUT`.
 * Switch on `error.code`, never on the message text.
 */
export const ClientErrorCode: Readonly<Pick<typeof ErrorCode, (typeof RETURNED)[number]>> = Object.freeze(
  Object.fromEntries(RETURNED.map((name) => [name, ErrorCode[name]])) as Pick<
    typeof ErrorCode,
    (typeof RETURNED)[number]
  >,
);
/** One of the {@link ClientErrorCode} values. */
export type ClientErrorCode = (typeof ClientErrorCode)[keyof typeof ClientErrorCode];

/**
 * Why a call resolved as SYSTEM_ERROR. It is returned as a value, never
 * thrown: the SDK throws only for misuse (a plain LarsError, BAD_OPTION or
 * CLOSED). Both are LarsErrors: `instanceof LarsError` catches either.
 */
export class LarsClientError extends LarsError {
  /** Stable machine-readable reason (narrowed; set by LarsError's constructor). */
  declare readonly code: ClientErrorCode;

  /**
   * @param code - the stable reason
   * @param message - a human-readable explanation (for logs)
   * @param options - `cause`: the underlying error, if any
   */
  constructor(code: ClientErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'LarsClientError';
  }
}
