import { ErrorCode } from '@lars/wire';

/**
 * The stable codes of the errors @lars/udp-native throws. Codes that mean the
 * same as one of @lars/wire's registry are taken from it; the two this
 * package adds are its own until the native transport is wired into the
 * agent, when they belong in that registry too.
 */
export const BatchUdpErrorCode = {
  /** The addon could not be loaded: not Linux, not built, or built for another Node ABI (the message says which). */
  NATIVE_UNAVAILABLE: 'LARS_NATIVE_UNAVAILABLE',
  /** socket(2), setsockopt(2) or bind(2) failed; `errno` names why (EADDRINUSE, EACCES, ...). */
  BIND_FAILED: 'LARS_BIND_FAILED',
  BAD_OPTION: ErrorCode.BAD_OPTION,
  CLOSED: ErrorCode.CLOSED,
  /** flush() or send() before bind(). */
  NOT_CONNECTED: ErrorCode.NOT_CONNECTED,
  /** send() was refused by the kernel for a reason other than a full send buffer. */
  SEND_FAILED: ErrorCode.SEND_FAILED,
} as const;
export type BatchUdpErrorCode = (typeof BatchUdpErrorCode)[keyof typeof BatchUdpErrorCode];

/** What @lars/udp-native throws: callers switch on `code`, and on `errno` for system call failures. */
export class BatchUdpError extends Error {
  readonly code: BatchUdpErrorCode;
  /** The system error name (`EADDRINUSE`) when a system call failed. */
  readonly errno: string | undefined;

  constructor(code: BatchUdpErrorCode, message: string, options?: { cause?: unknown; errno?: string }) {
    super(message, options);
    this.name = 'BatchUdpError';
    this.code = code;
    this.errno = options?.errno;
  }
}

/** Throws BAD_OPTION naming the option when `ok` is false. */
export function checkUdpOption(ok: boolean, name: string, why: string): void {
  if (!ok) throw new BatchUdpError(BatchUdpErrorCode.BAD_OPTION, `invalid option ${name}: ${why}`);
}
