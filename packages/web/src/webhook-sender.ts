import type { Logger } from '@lars/reactor';

/** The counters a sender adds to (WebCounters has them). */
export interface WebhookCounters {
  webhookSent: number;
  webhookFailed: number;
  webhookRetried: number;
}

export interface WebhookSenderOptions {
  /** `[web] alert_webhook_timeout`: one attempt's bound. */
  timeoutMs?: number;
  /** `[web] alert_webhook_retries`: attempts after the first. */
  retries?: number;
  /** The first retry's wait; doubled each retry, at most maxBackoffMs. */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** Injected by tests: no real waiting. */
  sleep?: (ms: number) => Promise<void>;
  logger?: Logger;
}

const DEFAULTS = { timeoutMs: 5_000, retries: 3, backoffMs: 1_000, maxBackoffMs: 30_000 } as const;

const realSleep = (ms: number) =>
  new Promise<void>((resolve) => {
    setTimeout(resolve, ms).unref();
  });

/**
 * POSTs JSON bodies to one URL: a 2xx answer is delivered (webhookSent);
 * anything else (another status, a refused connection, the timeout) is
 * retried `retries` times with capped exponential backoff (webhookRetried
 * each), then given up (webhookFailed, logged). close() stops further retries
 * and waits for attempts in flight, at most `boundMs`.
 */
export class WebhookSender {
  private readonly o: Required<Omit<WebhookSenderOptions, 'logger'>>;
  private readonly logger: Logger | undefined;
  private readonly inFlight = new Set<Promise<boolean>>();
  private closed = false;

  constructor(
    readonly url: string,
    private readonly counters: WebhookCounters,
    options: WebhookSenderOptions = {},
  ) {
    this.o = { ...DEFAULTS, sleep: realSleep, ...options };
    this.logger = options.logger;
  }

  /** Resolves true once delivered, false once given up (never rejects). */
  send(body: unknown): Promise<boolean> {
    const p = this.deliver(JSON.stringify(body)).finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
    return p;
  }

  private async deliver(json: string): Promise<boolean> {
    let wait = this.o.backoffMs;
    for (let attempt = 0; ; attempt++) {
      const problem = await this.attempt(json);
      if (problem === null) {
        this.counters.webhookSent++;
        return true;
      }
      if (attempt >= this.o.retries || this.closed) {
        this.counters.webhookFailed++;
        this.logger?.warn({ url: this.url, attempts: attempt + 1 }, `alert webhook not delivered: ${problem}`);
        return false;
      }
      this.counters.webhookRetried++;
      await this.o.sleep(wait);
      wait = Math.min(wait * 2, this.o.maxBackoffMs);
    }
  }

  /** null when delivered, else why not. */
  private async attempt(json: string): Promise<string | null> {
    try {
      const res = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: json,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.o.timeoutMs),
      });
      // The body is not read: drain it so the connection is released.
      await res.arrayBuffer();
      return res.status >= 200 && res.status < 300 ? null : `HTTP ${res.status}`;
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } };
      return e.cause?.code ?? e.message;
    }
  }

  async close(boundMs = 5_000): Promise<void> {
    this.closed = true;
    if (this.inFlight.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, boundMs);
      timer.unref();
    });
    await Promise.race([Promise.all(this.inFlight).then(() => undefined), bound]);
    clearTimeout(timer);
  }
}
