import { MessageId } from '@lars/proto';
import {
  TcpClient,
  WhileDisconnected,
  silentLogger,
  type BackoffOptions,
  type Logger,
  type TcpAddress,
  type TcpConnection,
} from '@lars/reactor';
import { checkOption, LogThrottle, SendOutcome, type MessageRouter } from '@lars/wire';
import { DEFAULT_DNS_ADDRESS } from './peer-defaults.js';
import { checkPullRate, DEFAULT_PULL_RATE_PER_SECOND, PullPacer } from './pull-pacer.js';
import { checkMaxRoutes, DEFAULT_MAX_ROUTES } from './route-budget.js';

export interface DnsLinkOptions {
  /** DNS addresses, tried in turn. */
  addresses?: readonly TcpAddress[];
  backoff?: BackoffOptions;
  /** A pull unanswered this long (ms) marks the link dead: see DnsLink. */
  pullTimeoutMs?: number;
  /** PullPacer's rate. */
  pullRatePerSecond?: number;
  /** Runs on every (re)connect (the agent tells its workers to re-pull every route). */
  onConnect?: (conn: TcpConnection) => void;
  /** Runs when an established connection closes. */
  onClose?: (conn: TcpConnection) => void;
  /** A monotonic clock, ms (a fake one in tests). */
  now?: () => number;
  logger?: Logger;
}

/**
 * 3 s. The DNS answers a GetRouteRequest from the table it holds in memory,
 * in well under a millisecond, so a pull still unanswered after seconds
 * means its event loop is not running (stopped, swapping, hung) or it has
 * no table yet; 3 s still rides out a long GC pause and a TCP retransmission
 * or two (the first RTO is 1 s). It also bounds what a new key waits when
 * its DNS froze (1.125 x it, the deadline check's granularity, plus one
 * reconnect) before the agent answers it from the next DNS, so it is kept
 * short.
 */
export const DEFAULT_PULL_TIMEOUT_MS = 3_000;

const DEFAULTS = {
  addresses: [DEFAULT_DNS_ADDRESS],
  pullTimeoutMs: DEFAULT_PULL_TIMEOUT_MS,
  now: () => performance.now(),
} as const;

/** At most one warning per reason in this many ms (a DNS may freeze again and again). */
const WARN_INTERVAL_MS = 10_000;

/** Throws LARS_BAD_OPTION naming `option` unless `ms` is a valid pullTimeoutMs. */
export function checkPullTimeout(ms: number, option = 'pullTimeoutMs'): void {
  checkOption(Number.isInteger(ms) && ms >= 1, option, 'must be an integer >= 1 (ms)');
}

/**
 * Checks the agent's pull options (AgentOptions; before any thread starts),
 * and warns when pullRatePerSecond cannot re-pull maxRoutes routes within
 * update_timeout. That is not an error: the limit is a ceiling, rarely
 * reached; but at it, re-pulls would lag and DNS subscriptions could expire.
 */
export function checkPullOptions(
  options: { readonly pullTimeoutMs?: number; readonly pullRatePerSecond?: number; readonly maxRoutes?: number },
  updateTimeoutMs: number,
  logger: Logger,
): void {
  if (options.pullTimeoutMs !== undefined) checkPullTimeout(options.pullTimeoutMs);
  if (options.pullRatePerSecond !== undefined) checkPullRate(options.pullRatePerSecond);
  if (options.maxRoutes !== undefined) checkMaxRoutes(options.maxRoutes);
  const maxRoutes = options.maxRoutes ?? DEFAULT_MAX_ROUTES;
  const pullRatePerSecond = options.pullRatePerSecond ?? DEFAULT_PULL_RATE_PER_SECOND;
  if (maxRoutes > (pullRatePerSecond * updateTimeoutMs) / 1000) {
    logger.warn(
      { maxRoutes, pullRatePerSecond, updateTimeoutMs },
      'pull_rate cannot re-pull max_routes routes within update_timeout: at the limit, DNS subscriptions may expire',
    );
  }
}

/** DnsLink.stats(): its counters and levels. */
export interface DnsLinkStats {
  pullsSent: number;
  pullsRefused: number;
  pullsPending: number;
  pullsUnanswered: number;
  dnsFailovers: number;
}

/**
 * The agent's link to the DNS (main thread): a TcpClient over the DNS
 * addresses, the PullPacer in front of it, and the pull deadline.
 *
 * - A pull while no link is up is not kept (pullsRefused): on connect every
 *   worker pulls every route it holds, which covers it. While a link is up,
 *   pulls go through the pacer; one the link refuses waits and is retried.
 * - Every pull sent is unanswered until a GetRouteResponse for its key
 *   arrives (a reply or a push: both prove the DNS serves it). When the
 *   oldest unanswered pull is older than pullTimeoutMs, the link is dead
 *   even though its socket is up: it is dropped (dnsFailovers), the client
 *   reconnects starting with the next address, and the workers re-pull
 *   every route on that connection (paced). One coarse timer, running only
 *   while pulls are unanswered, checks it.
 */
export class DnsLink {
  readonly client: TcpClient;
  readonly pullTimeoutMs: number;
  private readonly pacer: PullPacer;
  private readonly now: () => number;
  private readonly logger: Logger;
  private readonly warnings = new LogThrottle(WARN_INTERVAL_MS);
  /** `modid/cmdid` -> when its pull was sent on this connection; Map order = oldest first. */
  private readonly unanswered = new Map<string, number>();
  private deadlineTimer: NodeJS.Timeout | null = null;
  private readonly counters = { pullsSent: 0, pullsRefused: 0, dnsFailovers: 0 };

  constructor(router: MessageRouter<TcpConnection>, options: DnsLinkOptions = {}) {
    this.pullTimeoutMs = options.pullTimeoutMs ?? DEFAULTS.pullTimeoutMs;
    checkPullTimeout(this.pullTimeoutMs);
    if (options.pullRatePerSecond !== undefined) checkPullRate(options.pullRatePerSecond);
    this.now = options.now ?? DEFAULTS.now;
    this.logger = (options.logger ?? silentLogger()).child({ component: 'dns-link' });
    this.pacer = new PullPacer(this.sendPull, { ratePerSecond: options.pullRatePerSecond, now: this.now });
    const onConnect = options.onConnect;
    const onClose = options.onClose;
    this.client = new TcpClient(router, {
      addresses: options.addresses ?? DEFAULTS.addresses,
      backoff: options.backoff,
      whileDisconnected: WhileDisconnected.REJECT,
      onConnect: (conn) => onConnect?.(conn),
      onClose: (conn) => {
        // Nothing sent on it will be answered, and every route is pulled again on the next one.
        this.unanswered.clear();
        this.stopDeadline();
        this.pacer.clear();
        onClose?.(conn);
      },
      logger: options.logger,
    });
  }

  connect(): void {
    this.client.connect();
  }

  /** Pulls (modid, cmdid) from the DNS, paced; see the class comment. */
  pull(modid: number, cmdid: number): void {
    if (this.client.connection === null) {
      this.counters.pullsRefused++;
      return;
    }
    this.pacer.add(modid, cmdid);
  }

  /** A GetRouteResponse for the key arrived: its pull is answered. */
  answered(modid: number, cmdid: number): void {
    if (this.unanswered.size > 0) this.unanswered.delete(`${modid}/${cmdid}`);
  }

  stats(): DnsLinkStats {
    return { ...this.counters, pullsPending: this.pacer.pending, pullsUnanswered: this.unanswered.size };
  }

  async close(): Promise<void> {
    this.pacer.close();
    this.stopDeadline();
    await this.client.close();
  }

  private readonly sendPull = (modid: number, cmdid: number): boolean => {
    if (this.client.send(MessageId.GetRouteRequest, { modid, cmdid }) !== SendOutcome.SENT) {
      this.counters.pullsRefused++;
      return false;
    }
    this.counters.pullsSent++;
    const id = `${modid}/${cmdid}`;
    // Pulled again while unanswered: the first pull's age is what counts.
    if (!this.unanswered.has(id)) this.unanswered.set(id, this.now());
    this.startDeadline();
    return true;
  };

  private startDeadline(): void {
    if (this.deadlineTimer !== null) return;
    // An eighth of the timeout: a dead link is found within 1.125 x pullTimeoutMs.
    this.deadlineTimer = setInterval(this.checkDeadline, Math.max(1, Math.ceil(this.pullTimeoutMs / 8)));
    this.deadlineTimer.unref();
  }

  private stopDeadline(): void {
    if (this.deadlineTimer === null) return;
    clearInterval(this.deadlineTimer);
    this.deadlineTimer = null;
  }

  private readonly checkDeadline = (): void => {
    const oldest = this.unanswered.values().next();
    if (oldest.done === true) {
      this.stopDeadline();
      return;
    }
    const waitedMs = this.now() - oldest.value;
    if (waitedMs <= this.pullTimeoutMs) return;
    this.counters.dnsFailovers++;
    const suppressed = this.warnings.take('pull-timeout');
    if (suppressed >= 0) {
      this.logger.warn(
        {
          dns: this.client.connection?.peer,
          unanswered: this.unanswered.size,
          waitedMs: Math.round(waitedMs),
          pullTimeoutMs: this.pullTimeoutMs,
          suppressed,
        },
        'the DNS left a pull unanswered past pull_timeout_ms: dropping the link, trying the next address',
      );
    }
    this.unanswered.clear();
    this.stopDeadline();
    this.pacer.clear();
    this.client.failover();
  };
}
