// Which of a `[mysql] db_hosts` list to connect to next. One instance per
// connection holder (a MysqlLink, a pool): the address that last worked is
// tried first, a failed connect moves on to the next at once, and a
// connection that broke later makes the next connect start past its address.
// A pass over the whole list that failed is followed by a capped, jittered
// backoff before the next pass, so a holder whose servers are all down does
// not hammer them back to back.
import { Backoff, type BackoffOptions } from '@lars/reactor';
import { formatMysqlAddress, type MysqlAddress } from './mysql-settings.js';

export interface MysqlFailoverOptions {
  /** Pause between failed passes over the list (a one-address list has none: its caller paces itself). */
  backoff?: BackoffOptions;
  /** Milliseconds clock (tests inject a fake one). */
  now?: () => number;
  /** Waits `ms` (tests inject one driven by the fake clock). */
  sleep?: (ms: number) => Promise<void>;
  /** The next connect starts at `to`: `from` failed to connect (`err`) or its connection broke. */
  onFailover?: (event: MysqlFailoverEvent) => void;
}

export interface MysqlFailoverEvent {
  readonly from: MysqlAddress;
  readonly to: MysqlAddress;
  /** Why: the connect error, or the error that broke the connection. */
  readonly err: unknown;
  readonly reason: 'connect failed' | 'connection broke';
}

/** 100 ms, doubling to 2 s, up to half of each delay shaved at random. */
export const MYSQL_FAILOVER_BACKOFF: Readonly<Required<Omit<BackoffOptions, 'random'>>> = {
  initialMs: 100,
  maxMs: 2000,
  factor: 2,
  jitter: 0.5,
};

const DEFAULTS = {
  now: () => Date.now(),
  sleep: (ms: number) =>
    new Promise<void>((resolve) => {
      // Unref'ed: a pause between passes never keeps the process alive.
      setTimeout(resolve, ms).unref();
    }),
  onFailover: () => undefined,
} as const;

export class MysqlFailover {
  readonly addresses: readonly MysqlAddress[];
  private readonly backoff: Backoff;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly onFailover: (event: MysqlFailoverEvent) => void;
  private index = 0;
  private count = 0;
  /** No pass starts before this (ms on `now`): set by a pass that failed on every address. */
  private notBefore = 0;

  constructor(addresses: readonly MysqlAddress[], options: MysqlFailoverOptions = {}) {
    if (addresses.length === 0) throw new RangeError('MysqlFailover: no address');
    this.addresses = addresses;
    this.backoff = new Backoff({ ...MYSQL_FAILOVER_BACKOFF, ...options.backoff });
    this.now = options.now ?? DEFAULTS.now;
    this.sleep = options.sleep ?? DEFAULTS.sleep;
    this.onFailover = options.onFailover ?? DEFAULTS.onFailover;
  }

  /** The address the next connect tries first. */
  get current(): MysqlAddress {
    return this.addresses[this.index];
  }

  /** Times the next connect was moved on to another address. */
  get failovers(): number {
    return this.count;
  }

  /**
   * `open(address)` on each address from the current one until one resolves
   * (it becomes the current one); each failure moves on to the next. When
   * all fail: the only error for a one-address list, else an AggregateError
   * of one error per address (classifyMysqlError calls it transient only when
   * every attempt was), and the next call waits out the backoff first.
   */
  async connect<T>(open: (address: MysqlAddress) => Promise<T>): Promise<T> {
    const wait = this.notBefore - this.now();
    if (wait > 0) await this.sleep(wait);
    const errors: unknown[] = [];
    const why: string[] = [];
    for (let tried = 0; tried < this.addresses.length; tried++) {
      const address = this.current;
      try {
        const opened = await open(address);
        this.backoff.reset();
        this.notBefore = 0;
        return opened;
      } catch (err) {
        errors.push(err);
        why.push(`${formatMysqlAddress(address)}: ${err instanceof Error ? err.message : String(err)}`);
        this.moveOn(address, err, 'connect failed');
      }
    }
    if (errors.length === 1) throw errors[0];
    this.notBefore = this.now() + this.backoff.next();
    throw new AggregateError(errors, `no MySQL address answered: ${why.join('; ')}`);
  }

  /**
   * A connection to `address` broke after it was open: the next connect
   * starts at the following address (the broken one is tried last). A no-op
   * when the list moved past `address` already.
   */
  broke(address: MysqlAddress, err: unknown): void {
    if (this.current === address) this.moveOn(address, err, 'connection broke');
  }

  private moveOn(from: MysqlAddress, err: unknown, reason: MysqlFailoverEvent['reason']): void {
    if (this.addresses.length === 1) return;
    this.index = (this.index + 1) % this.addresses.length;
    this.count++;
    this.onFailover({ from, to: this.current, err, reason });
  }
}
