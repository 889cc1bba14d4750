/**
 * What became of a send. Expected outcomes are values, not exceptions: a
 * caller that cares switches on them, and every non-SENT outcome is counted
 * by the sender, so nothing is lost without a count.
 */
export const SendOutcome = {
  /** Handed to the socket. */
  SENT: 'sent',
  /** Held in a client's queue until it reconnects. */
  QUEUED: 'queued',
  /** Not sent: disconnected with no room (or no queueing) for it. */
  REJECTED: 'rejected',
  /** Not sent: the body exceeds the frame limit of the transport. */
  TOO_LARGE: 'too-large',
  /** Not sent: the connection or socket is closed. */
  CLOSED: 'closed',
  /** Not sent: the peer does not read and the output bound was reached; the connection was closed. */
  OVERFLOW: 'overflow',
} as const;
export type SendOutcome = (typeof SendOutcome)[keyof typeof SendOutcome];
