import { DatagramError } from './frame-codec.js';
import { DispatchOutcome } from './message-router.js';

/** Counters of a UdpServer or UdpClient (plain numbers). */
export interface UdpStats {
  datagramsIn: number;
  /** Well-formed frames (dispatched, or dropped for an unknown msgid or bad body). */
  framesIn: number;
  framesOut: number;
  /** Datagrams shorter than a header, or with msglen < 0 or > 65527: dropped. */
  badFrames: number;
  /** Datagrams whose length != 8 + msglen: dropped. */
  lengthMismatch: number;
  unknownMsgid: number;
  badBody: number;
  handlerErrors: number;
  /** Sends refused because the body exceeded the UDP limit (MAX_UDP_BODY_BYTES or the configured one). */
  tooLarge: number;
  /** Sends attempted while not open. */
  rejectedSends: number;
  /** Errors from send callbacks and the socket (e.g. ECONNREFUSED on a connected socket). */
  sendErrors: number;
}

export function newUdpStats(): UdpStats {
  return {
    datagramsIn: 0,
    framesIn: 0,
    framesOut: 0,
    badFrames: 0,
    lengthMismatch: 0,
    unknownMsgid: 0,
    badBody: 0,
    handlerErrors: 0,
    tooLarge: 0,
    rejectedSends: 0,
    sendErrors: 0,
  };
}

/** Counts a datagram that was not one frame. */
export function countDatagramError(stats: UdpStats, error: DatagramError): void {
  if (error === DatagramError.LENGTH_MISMATCH) stats.lengthMismatch++;
  else stats.badFrames++;
}

/** Counts the result of dispatching one frame (framesIn is counted before dispatch). */
export function countDispatch(stats: UdpStats, outcome: DispatchOutcome): void {
  if (outcome === DispatchOutcome.HANDLED) return;
  if (outcome === DispatchOutcome.UNKNOWN_MSGID) stats.unknownMsgid++;
  else if (outcome === DispatchOutcome.BAD_BODY) stats.badBody++;
  else stats.handlerErrors++;
}
