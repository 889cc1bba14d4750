import { ListLink } from './host-list.js';

/** The Map key of a host in its route: ip (unsigned 32-bit) * 65536 + port, exact below 2^53. */
export function hostKey(ip: number, port: number): number {
  return (ip >>> 0) * 65536 + (port & 0xffff);
}

/**
 * One host of a route and its load-balancing state (load-balancing.md
 * "Per-host state"). The queue moves are LoadBalance's; this class only
 * resets counters. A host is in exactly one of its route's two queues
 * (through `queueLink`) and, while overloaded, also in the overload FIFO
 * ordered by overloadTs (through `fifoLink`).
 */
export class LoadBalanceHost {
  /** Unsigned 32-bit IPv4 (protocol.md "IPv4 encoding"). */
  readonly ip: number;
  readonly port: number;
  readonly key: number;
  /** Virtual counts: drive the idle <-> overload decisions. */
  vsucc = 0;
  verr = 0;
  /** Real counts of the current window: what is reported. */
  rsucc = 0;
  rerr = 0;
  continSucc = 0;
  continErr = 0;
  overload = false;
  /** When the current idle window started (ms). */
  idleTs = 0;
  /** When the host became overloaded (ms). */
  overloadTs = 0;
  readonly queueLink: ListLink<LoadBalanceHost>;
  readonly fifoLink: ListLink<LoadBalanceHost>;

  constructor(ip: number, port: number) {
    this.ip = ip >>> 0;
    this.port = port;
    this.key = hostKey(ip, port);
    this.queueLink = new ListLink<LoadBalanceHost>(this);
    this.fifoLink = new ListLink<LoadBalanceHost>(this);
  }

  /** The counters of set_idle (the caller moves the host to the idle queue). */
  resetIdle(now: number, initSuccCnt: number): void {
    this.vsucc = initSuccCnt;
    this.verr = 0;
    this.rsucc = 0;
    this.rerr = 0;
    this.continSucc = 0;
    this.continErr = 0;
    this.overload = false;
    this.idleTs = now;
  }

  /** The counters of set_overload (the caller moves the host to the overload queue and FIFO). */
  resetOverload(now: number, initErrCnt: number): void {
    this.vsucc = 0;
    this.verr = initErrCnt;
    this.rsucc = 0;
    this.rerr = 0;
    this.continSucc = 0;
    this.continErr = 0;
    this.overload = true;
    this.overloadTs = now;
  }
}
