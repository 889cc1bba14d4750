import { MessageId } from '@lars/proto';
import {
  silentLogger,
  TcpClient,
  WhileDisconnected,
  type BackoffOptions,
  type Logger,
  type TcpAddress,
  type TcpConnection,
} from '@lars/reactor';
import {
  checkOption,
  encodeFrame,
  LogThrottle,
  MAX_BODY_BYTES,
  MAX_FRAME_BYTES,
  MessageRouter,
  SendOutcome,
} from '@lars/wire';
import { peerName } from './peer-defaults.js';
import { ReportQueue, type ReportQueueStats } from './report-queue.js';

/** At most one warning line per reason in this many ms. */
const WARN_INTERVAL_MS = 10_000;

export interface ReportLinkOptions {
  /** Snapshots held per link, written-unconfirmed and waiting (bytes); the oldest waiting are dropped past it. */
  reportQueueBytes?: number;
  /** How long a written snapshot's connection must stay up, its bytes in the kernel, before it is confirmed (ms). */
  reportGraceMs?: number;
  /** A connection whose output has not shrunk for this long is destroyed and the link reconnects (ms); 0 = never. */
  reporterStallTimeoutMs?: number;
  /** No more is written while the socket's output holds this many bytes; the rest waits in the queue. */
  highWaterBytes?: number;
  backoff?: BackoffOptions;
  logger?: Logger;
  /** Clock of the grace and stall checks (tests pass a fake one). */
  now?: () => number;
}

export const REPORT_LINK_DEFAULTS = {
  reportQueueBytes: 4 * 1024 * 1024,
  reportGraceMs: 2_000,
  reporterStallTimeoutMs: 10_000,
  highWaterBytes: 1024 * 1024,
  now: Date.now,
} as const;

export interface ReportLinkStats extends ReportQueueStats {
  connected: boolean;
  connects: number;
  /** Connections destroyed because their output did not shrink for reporterStallTimeoutMs. */
  stalls: number;
  /** Snapshots refused by send(): too large for a frame, or sent after close(). */
  refused: number;
}

/**
 * The agent's link to one reporter: at-least-once, ordered and bounded
 * (ReportQueue has the rules). Snapshots are written only while the
 * socket's output is under highWaterBytes, so a reporter that reads slowly
 * or not at all pushes back into the bounded queue (oldest dropped,
 * counted), never into a connection destroyed with its output. A
 * connection whose output stops shrinking for reporterStallTimeoutMs is
 * declared dead: destroyed, reconnected, its unconfirmed snapshots resent.
 * One coarse timer per link does the grace and stall checks.
 */
export class ReportLink {
  readonly address: TcpAddress;
  readonly graceMs: number;
  readonly stallTimeoutMs: number;
  readonly highWaterBytes: number;
  private readonly client: TcpClient;
  private readonly queue: ReportQueue;
  private readonly logger: Logger;
  private readonly warnings = new LogThrottle(WARN_INTERVAL_MS);
  private readonly now: () => number;
  private readonly tickMs: number;
  private readonly maxOutputBytes: number;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  /** The live connection, and bytes written to it so far. */
  private conn: TcpConnection | null = null;
  private written = 0;
  /** Bytes the connection had handed to the kernel at the last check that saw them grow, and when. */
  private drained = 0;
  private progressAt = 0;
  private readonly counters = { stalls: 0, refused: 0 };

  constructor(address: TcpAddress, options: ReportLinkOptions = {}) {
    this.address = address;
    const queueBytes = options.reportQueueBytes ?? REPORT_LINK_DEFAULTS.reportQueueBytes;
    this.graceMs = options.reportGraceMs ?? REPORT_LINK_DEFAULTS.reportGraceMs;
    this.stallTimeoutMs = options.reporterStallTimeoutMs ?? REPORT_LINK_DEFAULTS.reporterStallTimeoutMs;
    this.highWaterBytes = options.highWaterBytes ?? REPORT_LINK_DEFAULTS.highWaterBytes;
    this.now = options.now ?? REPORT_LINK_DEFAULTS.now;
    this.queue = new ReportQueue({ maxBytes: queueBytes, graceMs: this.graceMs });
    checkOption(
      Number.isInteger(this.stallTimeoutMs) && this.stallTimeoutMs >= 0,
      'reporterStallTimeoutMs',
      'must be an integer >= 0 (0 = off)',
    );
    checkOption(
      Number.isInteger(this.highWaterBytes) && this.highWaterBytes > 0,
      'highWaterBytes',
      'must be an integer > 0',
    );
    // A quarter of the shortest period checked, within 10..250 ms: confirmations and stalls are found that late at most.
    const periods = [this.graceMs, this.stallTimeoutMs].filter((ms) => ms > 0);
    this.tickMs = Math.max(10, Math.min(250, Math.floor(Math.min(1_000, ...periods) / 4)));
    this.logger = (options.logger ?? silentLogger()).child({ component: 'report-link', reporter: peerName(address) });
    // Writes stay under highWaterBytes + one frame; close() may write everything left on top.
    this.maxOutputBytes = this.highWaterBytes + MAX_FRAME_BYTES + queueBytes;
    this.client = new TcpClient(new MessageRouter<TcpConnection>({ logger: options.logger }), {
      ...address,
      backoff: options.backoff,
      // The link holds every snapshot itself; the client never queues one.
      whileDisconnected: WhileDisconnected.REJECT,
      maxQueuedBytes: 0,
      maxOutputBytes: this.maxOutputBytes,
      onConnect: (conn) => this.onConnect(conn),
      onClose: (conn) => this.onClose(conn),
      onDrain: () => this.pump(),
      logger: options.logger,
    });
  }

  /** Starts connecting, and the grace and stall checks. */
  connect(): void {
    if (this.closed || this.timer !== null) return;
    this.client.connect();
    this.timer = setInterval(this.tick, this.tickMs);
    this.timer.unref();
  }

  /** Queues one ReportStatusRequest body and writes what the socket takes; false (counted) when refused. */
  send(body: Uint8Array): boolean {
    if (this.closed || body.length > MAX_BODY_BYTES) {
      this.counters.refused++;
      return false;
    }
    // encodeFrame copies: `body` may be a view on a pool queue's buffer.
    const dropped = this.queue.push(encodeFrame(MessageId.ReportStatusRequest, body));
    if (dropped > 0) this.warnOverflow(dropped);
    this.pump();
    return true;
  }

  stats(): ReportLinkStats {
    const client = this.client.stats();
    return { ...this.queue.stats(), ...this.counters, connected: client.connected, connects: client.connects };
  }

  /**
   * Writes every waiting snapshot the live connection takes, then closes it
   * gracefully (its output is flushed while the peer reads). Snapshots left
   * waiting (no connection) are counted as dropped and logged.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    const conn = this.conn;
    let frame: Buffer | null;
    while (conn !== null && (frame = this.queue.forceNext()) !== null) {
      if (conn.outputBytes + frame.length > this.maxOutputBytes) break;
      if (conn.sendFrame(frame) !== SendOutcome.SENT) break;
      this.written += frame.length;
      this.queue.written(this.written);
    }
    const { dropped, unconfirmed } = this.queue.drop();
    if (dropped > 0) this.logger.warn({ dropped, unconfirmed }, 'closing with unsent report snapshots');
    await this.client.close();
  }

  private onConnect(conn: TcpConnection): void {
    this.conn = conn;
    this.written = 0;
    this.drained = 0;
    this.progressAt = this.now();
    const { queuedFrames } = this.queue.stats();
    this.logger.info({ peer: conn.peer, queuedFrames }, 'connected to the reporter');
    this.pump();
  }

  private onClose(conn: TcpConnection): void {
    if (conn !== this.conn) return;
    this.conn = null;
    const unconfirmed = this.queue.unconfirmedFrames;
    this.queue.connectionLost();
    if (this.closed) return;
    const { queuedFrames } = this.queue.stats();
    this.logger.warn({ peer: conn.peer, unconfirmed, queuedFrames }, 'reporter connection lost; keeping snapshots');
  }

  /** Writes waiting snapshots while the output is under the high-water mark and the queue allows. */
  private pump(): void {
    const conn = this.conn;
    if (conn === null || conn.closed) return;
    let frame: Buffer | null;
    while (conn.outputBytes < this.highWaterBytes && (frame = this.queue.nextToWrite()) !== null) {
      // Not OVERFLOW: the output stays under highWaterBytes + one frame < maxOutputBytes.
      // CLOSED (the peer ended): the frame stays waiting for the next connection.
      if (conn.sendFrame(frame) !== SendOutcome.SENT) return;
      this.written += frame.length;
      this.queue.written(this.written);
    }
  }

  /** The coarse check: what reached the kernel, confirmations, stalls; then writes what now fits. */
  private readonly tick = (): void => {
    const conn = this.conn;
    if (conn === null || conn.closed) return;
    const now = this.now();
    const output = conn.outputBytes;
    const drained = this.written - output;
    if (output === 0 || drained > this.drained) {
      this.drained = drained;
      this.progressAt = now;
    } else if (this.stallTimeoutMs > 0 && now - this.progressAt >= this.stallTimeoutMs) {
      this.stalled(conn, output);
      return;
    }
    this.queue.progress(drained, now);
    this.pump();
  };

  private stalled(conn: TcpConnection, outputBytes: number): void {
    this.counters.stalls++;
    const suppressed = this.warnings.take('stall');
    if (suppressed >= 0) {
      this.logger.warn(
        {
          peer: conn.peer,
          outputBytes,
          stallTimeoutMs: this.stallTimeoutMs,
          unconfirmed: this.queue.unconfirmedFrames,
          suppressed,
        },
        'reporter connection not draining: declared dead, reconnecting and resending the unconfirmed snapshots',
      );
    }
    // Its output is lost with it; every unconfirmed snapshot is written again on the next connection (onClose).
    conn.destroy();
  }

  private warnOverflow(dropped: number): void {
    const suppressed = this.warnings.take('overflow');
    if (suppressed < 0) return;
    const { queuedBytes, unconfirmedBytes } = this.queue.stats();
    this.logger.warn(
      { dropped, queuedBytes, unconfirmedBytes, maxBytes: this.queue.maxBytes, suppressed },
      'reporter queue full: dropping the oldest report snapshots',
    );
  }
}
