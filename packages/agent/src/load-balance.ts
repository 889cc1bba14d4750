import { RetCode } from '@lars/proto';
import type { HostCallResult } from '@lars/proto';
import { HostList } from './host-list.js';
import { checkLoadBalanceConfig } from './load-balance-config.js';
import type { LoadBalanceConfig } from './load-balance-config.js';
import { LoadBalanceHost, hostKey } from './load-balance-host.js';

/** Where a route stands with the DNS (load-balancing.md "Route life cycle in the agent"). */
export const RouteState = {
  /** A GetRouteRequest is out and not answered yet. */
  PULLING: 'pulling',
  /** The route holds the DNS's answer (possibly stale, see updateTimeoutMs). */
  NEW: 'new',
} as const;
export type RouteState = (typeof RouteState)[keyof typeof RouteState];

/** What get_host answers: the outcome and, only when it is SUCC, the host to call. */
export interface PickResult {
  ret: RetCode;
  host: LoadBalanceHost | null;
}

/** What a LoadBalance tells its owner (the RouteBook). */
export interface LoadBalanceEvents {
  /**
   * Called right before a step that resets a host's rsucc/rerr (an idle
   * window closing, set_overload, set_idle of a host the route already held),
   * so the owner can send the snapshot as it stands (takeSnapshot()). Skipped
   * while the route is clean: the last snapshot taken is then exactly the
   * current state, so sending it again would carry nothing new. Several hosts
   * reset by one step (overload timeouts found by one pick) share one call.
   */
  snapshotNow(lb: LoadBalance, now: number): void;
  /** The route went from clean to dirty (a report, or a host changed state). */
  becameDirty(lb: LoadBalance): void;
  /** A host moved between idle and overload; `host.overload` says which way. */
  overloadChanged?(lb: LoadBalance, host: LoadBalanceHost): void;
}

/**
 * The load balancer of one (modid, cmdid): its hosts in an idle and an
 * overload queue, get_host (pick) and report exactly as load-balancing.md
 * says. Pure logic: every method takes `now` in ms (Date.now() in production).
 *
 * Every pick, report and queue move is O(1): the queues are intrusive lists,
 * hosts are found through a Map, and overload timeouts through a FIFO ordered
 * by overloadTs (the overload queue is not, since probes rotate it). `steps`
 * counts those elementary operations so tests can show it.
 *
 * The FIFO assumes `now` does not go backwards; if it does, a host whose
 * timeout passed may wait behind a later one until that one's timeout too (a
 * report on it still returns it to idle).
 */
export class LoadBalance {
  readonly modid: number;
  readonly cmdid: number;
  state: RouteState = RouteState.PULLING;
  /** When the route was last filled by a GetRouteResponse; the owner sets it at creation too. */
  lastUpdateMs = 0;
  /** When a caller last asked for the route; maintained by the owner (RouteBook), not by pick. */
  lastAccessMs = 0;
  private readonly config: LoadBalanceConfig;
  private readonly events: LoadBalanceEvents;
  private readonly byKey = new Map<number, LoadBalanceHost>();
  private readonly idle = new HostList<LoadBalanceHost>();
  private readonly overloaded = new HostList<LoadBalanceHost>();
  /** Overloaded hosts in overloadTs order, for O(1) timeout checks. */
  private readonly fifo = new HostList<LoadBalanceHost>();
  /** Reused by pick (see there). */
  private readonly picked: PickResult = { ret: RetCode.NOEXIST, host: null };
  private accessCnt = 0;
  private lookups = 0;
  private isDirty = false;

  constructor(modid: number, cmdid: number, config: LoadBalanceConfig, events: LoadBalanceEvents) {
    checkLoadBalanceConfig(config);
    this.modid = modid;
    this.cmdid = cmdid;
    this.config = config;
    this.events = events;
  }

  get hostCount(): number {
    return this.byKey.size;
  }

  get idleCount(): number {
    return this.idle.size;
  }

  get overloadCount(): number {
    return this.overloaded.size;
  }

  /** Whether the route has changed since its last takeSnapshot(). */
  get dirty(): boolean {
    return this.isDirty;
  }

  /** Elementary list operations and map lookups done so far (pick, report, queue moves, update). */
  get steps(): number {
    return this.lookups + this.idle.ops + this.overloaded.ops + this.fifo.ops;
  }

  /** Calls `visit` with each idle host, head (the next pick) first, and its position. */
  forEachIdle(visit: (host: LoadBalanceHost, index: number) => void): void {
    this.idle.forEach(visit);
  }

  /**
   * Rotates the idle queue `turns` times, as that many picks with no
   * overloaded host would (the get_host table answered them: route-book.ts).
   */
  rotateIdle(turns: number): void {
    for (let i = 0; i < turns; i++) this.idle.rotate();
  }

  /** Every host of the route (for get_route), in the order they were added. */
  hosts(): IterableIterator<LoadBalanceHost> {
    return this.byKey.values();
  }

  /** The host ip:port of this route, if it holds it. */
  findHost(ip: number, port: number): LoadBalanceHost | undefined {
    this.lookups++;
    return this.byKey.get(hostKey(ip, port));
  }

  /**
   * get_host, the whole decision: SUCC with the host to call, NOEXIST when the
   * route holds no host, OVERLOAD when every host is overloaded and it is not
   * a probe turn. Overloaded hosts whose overload_timeout has passed go back to
   * idle first. The returned object is reused (no allocation per pick): it is
   * valid until the next pick on this route, so copy what you keep.
   */
  pick(now: number): Readonly<PickResult> {
    const picked = this.picked;
    picked.host = this.pickHost(now);
    if (picked.host !== null) picked.ret = RetCode.SUCC;
    else picked.ret = this.byKey.size === 0 ? RetCode.NOEXIST : RetCode.OVERLOAD;
    return picked;
  }

  /**
   * A call result for ip:port (retcode 0 = success, anything else = failure;
   * timecostMs 0 = unknown). Returns false, changing nothing, when the route
   * does not hold that host.
   */
  report(ip: number, port: number, retcode: number, timecostMs: number, now: number): boolean {
    const host = this.findHost(ip, port);
    if (host === undefined) return false;
    const config = this.config;
    const ok = retcode === 0;
    if (ok) {
      host.vsucc += 1;
      host.rsucc += 1;
      host.continSucc += 1;
      host.continErr = 0;
    } else {
      // Virtual weight: a slow failure (a timeout) counts as several; `>=` also sends NaN to 1.
      host.verr += timecostMs >= config.timecostUnitMs ? Math.floor(timecostMs / config.timecostUnitMs) : 1;
      host.rerr += 1;
      host.continErr += 1;
      host.continSucc = 0;
    }
    this.markDirty();

    if (!host.overload && !ok) {
      if (host.verr / (host.vsucc + host.verr) > config.errRate || host.continErr >= config.continErrLimit) {
        this.beforeReset(now);
        this.setOverload(host, now);
        return true;
      }
    } else if (host.overload && ok) {
      if (host.vsucc / (host.vsucc + host.verr) > config.succRate || host.continSucc >= config.continSuccLimit) {
        this.beforeReset(now);
        this.setIdle(host, now, true);
        return true;
      }
    }

    if (!host.overload && now - host.idleTs >= config.idleTimeoutMs) {
      this.beforeReset(now);
      const total = host.rsucc + host.rerr;
      if (total > 0 && host.rerr / total >= config.windowErrRate) this.setOverload(host, now);
      else this.setIdle(host, now, true);
    }
    if (host.overload && now - host.overloadTs >= config.overloadTimeoutMs) {
      this.beforeReset(now);
      this.setIdle(host, now, true);
    }
    return true;
  }

  /**
   * Applies a GetRouteResponse: new hosts are added idle, hosts gone are
   * removed from their queue and the FIFO, the others keep their counters and
   * place. Then lastUpdateMs = now and state = NEW. Counts of a removed host
   * not yet reported are sent first (snapshotNow), so its last window is not lost.
   */
  update(hosts: ReadonlyArray<{ readonly ip: number; readonly port: number }>, now: number): void {
    const wanted = new Set<number>();
    for (const h of hosts) {
      const key = hostKey(h.ip, h.port);
      wanted.add(key);
      this.lookups++;
      if (this.byKey.has(key)) continue;
      const host = new LoadBalanceHost(h.ip, h.port);
      this.byKey.set(key, host);
      this.setIdle(host, now, false);
    }
    let snapshotted = false;
    for (const host of this.byKey.values()) {
      if (wanted.has(host.key)) continue;
      if (!snapshotted && host.rsucc + host.rerr > 0) {
        this.beforeReset(now);
        snapshotted = true;
      }
      this.removeHost(host);
    }
    this.lastUpdateMs = now;
    this.state = RouteState.NEW;
  }

  /** One HostCallResult per host (the current window's real counts); marks the route clean. */
  takeSnapshot(): HostCallResult[] {
    const results: HostCallResult[] = new Array<HostCallResult>(this.byKey.size);
    let i = 0;
    for (const host of this.byKey.values()) {
      results[i++] = { ip: host.ip, port: host.port, succ: host.rsucc, err: host.rerr, overload: host.overload };
    }
    this.isDirty = false;
    return results;
  }

  /** The host pick answers with, or null (no host, or all overloaded and not a probe turn). */
  private pickHost(now: number): LoadBalanceHost | null {
    this.expireOverloads(now);
    if (this.byKey.size === 0) return null;
    if (this.idle.size === 0) {
      if (this.accessCnt >= this.config.probeNum) {
        this.accessCnt = 0;
        return this.overloaded.rotate();
      }
      this.accessCnt++;
      return null;
    }
    if (this.overloaded.size === 0) return this.idle.rotate();
    if (this.accessCnt >= this.config.probeNum) {
      this.accessCnt = 0;
      return this.overloaded.rotate();
    }
    this.accessCnt++;
    return this.idle.rotate();
  }

  /** Returns to idle every overloaded host whose overload_timeout has passed (FIFO head first). */
  private expireOverloads(now: number): void {
    let host = this.fifo.head();
    if (host === null || now - host.overloadTs < this.config.overloadTimeoutMs) return;
    this.beforeReset(now);
    do {
      this.setIdle(host, now, true);
      host = this.fifo.head();
    } while (host !== null && now - host.overloadTs >= this.config.overloadTimeoutMs);
  }

  /** Lets the owner send the snapshot as it stands before counts are reset. */
  private beforeReset(now: number): void {
    if (this.isDirty) this.events.snapshotNow(this, now);
  }

  private markDirty(): void {
    if (this.isDirty) return;
    this.isDirty = true;
    this.events.becameDirty(this);
  }

  /**
   * set_idle: counters reset, host to the tail of the idle queue. `existing`
   * is false only for a host just added, which is in no queue yet and whose
   * arrival does not dirty the route.
   */
  private setIdle(host: LoadBalanceHost, now: number, existing: boolean): void {
    const wasOverload = host.overload;
    if (existing) this.unlink(host);
    host.resetIdle(now, this.config.initSuccCnt);
    this.idle.pushTail(host.queueLink);
    if (!existing) return;
    this.markDirty();
    if (wasOverload) this.events.overloadChanged?.(this, host);
  }

  /** set_overload of a host the route holds: counters reset, host to the tail of the overload queue and FIFO. */
  private setOverload(host: LoadBalanceHost, now: number): void {
    const wasOverload = host.overload;
    this.unlink(host);
    host.resetOverload(now, this.config.initErrCnt);
    this.overloaded.pushTail(host.queueLink);
    this.fifo.pushTail(host.fifoLink);
    this.markDirty();
    if (!wasOverload) this.events.overloadChanged?.(this, host);
  }

  /** Takes the host out of whichever queue holds it, and out of the FIFO. */
  private unlink(host: LoadBalanceHost): void {
    if (host.overload) {
      this.overloaded.remove(host.queueLink);
      this.fifo.remove(host.fifoLink);
    } else {
      this.idle.remove(host.queueLink);
    }
  }

  private removeHost(host: LoadBalanceHost): void {
    this.unlink(host);
    this.lookups++;
    this.byKey.delete(host.key);
  }
}
