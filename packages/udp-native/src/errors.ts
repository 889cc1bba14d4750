import { ErrorCode, LarsError } from '@lars/wire';

/** The codes @lars/udp-native throws: a subset of the one registry (@lars/wire's ErrorCode). */
export const BatchUdpErrorCode = {
  NATIVE_UNAVAILABLE: ErrorCode.NATIVE_UNAVAILABLE,
  BIND_FAILED: ErrorCode.BIND_FAILED,
  BAD_OPTION: ErrorCode.BAD_OPTION,
  CLOSED: ErrorCode.CLOSED,
  /** flush() or send() before bind(). */
  NOT_CONNECTED: ErrorCode.NOT_CONNECTED,
  /** send() was refused by the kernel for a reason other than a full send buffer. */
  SEND_FAILED: ErrorCode.SEND_FAILED,
} as const;
export type BatchUdpErrorCode = (typeof BatchUdpErrorCode)[keyof typeof BatchUdpErrorCode];

/** A LarsError that may carry the failed system call's `errno`: callers switch on `code`, then on `errno`. */
export class BatchUdpError extends LarsError {
  /** The system error name (`EADDRINUSE`) when a system call failed. */
  readonly errno: string | undefined;

  constructor(code: BatchUdpErrorCode, message: string, options?: { cause?: unknown; errno?: string }) {
    super(code, message, options);
    this.name = 'BatchUdpError';
    this.errno = options?.errno;
  }
}
