/**
 * Stable error codes. Callers switch on `code`, never on message text.
 */
export const ErrorCode = {
  BAD_FRAME: 'LARS_BAD_FRAME',
  BAD_BODY: 'LARS_BAD_BODY',
  DUPLICATE_HANDLER: 'LARS_DUPLICATE_HANDLER',
  QUEUE_FULL: 'LARS_QUEUE_FULL',
  RECORD_TOO_LARGE: 'LARS_RECORD_TOO_LARGE',
  NOT_CONNECTED: 'LARS_NOT_CONNECTED',
  CLOSED: 'LARS_CLOSED',
  BAD_CONFIG: 'LARS_BAD_CONFIG',
  BAD_OPTION: 'LARS_BAD_OPTION',
  TIMEOUT: 'LARS_TIMEOUT',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

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
