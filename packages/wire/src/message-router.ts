import { decodeBody, isMessageId, messageName } from '@lars/proto';
import type { DecodedMessageMap, MessageId } from '@lars/proto';
import { ErrorCode, LarsError, checkOption } from './errors.js';
import { LogThrottle } from './log-throttle.js';
import { silentWireLogger } from './wire-logger.js';
import type { WireLogger } from './wire-logger.js';

/** Handler for a decoded message. A returned promise that rejects is logged and counted like a throw. */
export type MessageHandler<M extends MessageId, C, U = unknown> = (
  message: DecodedMessageMap[M],
  msgid: M,
  conn: C,
  userData: U,
) => void | Promise<void>;

/** Handler for the raw body bytes (no decode): echo servers, benchmarks, forwarding. */
export type RawHandler<C, U = unknown> = (body: Buffer, msgid: number, conn: C, userData: U) => void | Promise<void>;

/** What `dispatch` did with a frame; the transports count the non-HANDLED ones. */
export const DispatchOutcome = {
  HANDLED: 'handled',
  /** No handler for the msgid: dropped. */
  UNKNOWN_MSGID: 'unknown-msgid',
  /** The body did not decode as that msgid's message: dropped. */
  BAD_BODY: 'bad-body',
  /** The handler threw; the error was logged. */
  HANDLER_ERROR: 'handler-error',
} as const;
export type DispatchOutcome = (typeof DispatchOutcome)[keyof typeof DispatchOutcome];

export interface MessageRouterOptions {
  logger?: WireLogger;
  /** At most one warning line per reason per this many ms. */
  warnIntervalMs?: number;
  /** Clock for the warning rate limit (tests). */
  now?: () => number;
}

export interface MessageRouterStats {
  handled: number;
  unknownMsgid: number;
  badBody: number;
  handlerErrors: number;
}

const DEFAULTS = {
  warnIntervalMs: 10_000,
} as const;

interface Route<C> {
  readonly raw: boolean;
  readonly handler: (payload: never, msgid: never, conn: C, userData: never) => void | Promise<void>;
  readonly userData: unknown;
}

type AnyHandler<C> = (payload: unknown, msgid: number, conn: C, userData: unknown) => unknown;

/**
 * msgid -> handler. Decodes each body with @lars/proto before calling a typed
 * handler, so a handler only ever sees a well-formed message. `C` is the
 * connection type the transport passes (TcpConnection, UdpReplyTarget, ...).
 * Nothing a peer sends makes dispatch throw: unknown msgids, bad bodies and
 * handler errors are counted, logged at a bounded rate and returned as values.
 */
export class MessageRouter<C = unknown> {
  private readonly routes = new Map<number, Route<C>>();
  private readonly logger: WireLogger;
  private readonly throttle: LogThrottle;
  private readonly counts: MessageRouterStats = { handled: 0, unknownMsgid: 0, badBody: 0, handlerErrors: 0 };

  constructor(options: MessageRouterOptions = {}) {
    const warnIntervalMs = options.warnIntervalMs ?? DEFAULTS.warnIntervalMs;
    checkOption(Number.isFinite(warnIntervalMs) && warnIntervalMs >= 0, 'warnIntervalMs', 'must be a number >= 0');
    this.logger = (options.logger ?? silentWireLogger()).child({ component: 'router' });
    this.throttle = new LogThrottle(warnIntervalMs, options.now);
  }

  /** Registers a typed handler; throws LarsError(DUPLICATE_HANDLER) if `msgid` already has one. */
  on<M extends MessageId, U = undefined>(msgid: M, handler: MessageHandler<M, C, U>, userData?: U): this {
    checkOption(isMessageId(msgid), 'msgid', `${msgid} is not a MessageId`);
    this.add(msgid, { raw: false, handler, userData });
    return this;
  }

  /** Registers a handler for the raw body of any int32 msgid; same duplicate rule as `on`. */
  onRaw<U = undefined>(msgid: number, handler: RawHandler<C, U>, userData?: U): this {
    checkOption(Number.isInteger(msgid) && msgid === (msgid | 0), 'msgid', `${msgid} is not an int32`);
    this.add(msgid, { raw: true, handler, userData });
    return this;
  }

  has(msgid: number): boolean {
    return this.routes.has(msgid);
  }

  /** Totals over every transport using this router. */
  stats(): MessageRouterStats {
    return { ...this.counts };
  }

  /** Decodes (unless raw) and calls the handler for one frame. Never throws. */
  dispatch(msgid: number, body: Buffer, conn: C): DispatchOutcome {
    const route = this.routes.get(msgid);
    if (route === undefined) {
      this.counts.unknownMsgid++;
      this.warn(DispatchOutcome.UNKNOWN_MSGID, msgid, conn, undefined);
      return DispatchOutcome.UNKNOWN_MSGID;
    }
    let payload: unknown = body;
    if (!route.raw) {
      try {
        payload = decodeBody(msgid as MessageId, body);
      } catch (err) {
        this.counts.badBody++;
        this.warn(DispatchOutcome.BAD_BODY, msgid, conn, err);
        return DispatchOutcome.BAD_BODY;
      }
    }
    let result: unknown;
    try {
      result = (route.handler as AnyHandler<C>)(payload, msgid, conn, route.userData);
    } catch (err) {
      this.counts.handlerErrors++;
      this.warn(DispatchOutcome.HANDLER_ERROR, msgid, conn, err);
      return DispatchOutcome.HANDLER_ERROR;
    }
    if (result instanceof Promise) result.then(undefined, this.onAsyncError);
    this.counts.handled++;
    return DispatchOutcome.HANDLED;
  }

  private add(msgid: number, route: Route<C>): void {
    if (this.routes.has(msgid)) {
      throw new LarsError(ErrorCode.DUPLICATE_HANDLER, `a handler for ${messageName(msgid)} is already registered`);
    }
    this.routes.set(msgid, route);
  }

  // One bound function for all async handlers, so a sync handler costs no closure.
  private readonly onAsyncError = (err: unknown): void => {
    this.counts.handlerErrors++;
    this.warn(DispatchOutcome.HANDLER_ERROR, undefined, undefined, err);
  };

  private warn(reason: DispatchOutcome, msgid: number | undefined, conn: C | undefined, err: unknown): void {
    const suppressed = this.throttle.take(reason);
    if (suppressed < 0) return;
    // Transports give their connections a `peer` string ("ip:port"); use it when present.
    const peer = (conn as { peer?: unknown } | undefined)?.peer;
    const fields = {
      reason,
      msgid,
      peer: typeof peer === 'string' ? peer : undefined,
      suppressed,
      err: err instanceof Error ? err.message : err,
    };
    if (reason === DispatchOutcome.HANDLER_ERROR) this.logger.error(fields, 'message handler failed');
    else this.logger.warn(fields, 'frame dropped');
  }
}
