import { RetCode } from '@lars/proto';
import type { ReportStatusRequest } from '@lars/proto';
import { checkOption } from '@lars/wire';
import { checkLoadBalanceConfig } from './load-balance-config.js';
import type { LoadBalanceConfig } from './load-balance-config.js';
import type { LoadBalanceHost } from './load-balance-host.js';
import { LoadBalance, RouteState } from './load-balance.js';
import type { LoadBalanceEvents, PickResult } from './load-balance.js';
import { UNLIMITED_ROUTES, type RouteBudget } from './route-budget.js';
import { RouteTableLink, type GetHostTableSlots } from './route-table-link.js';

/** Where a RouteBook's messages go (the agent worker hands them to the main thread). */
export interface RouteBookOutput {
  /** Send GetRouteRequest(modid, cmdid) to the DNS; false when refused (the book retries it every tick). */
  pull(modid: number, cmdid: number): boolean;
  /** Send this ReportStatusRequest to the reporter. */
  report(req: ReportStatusRequest): void;
}

/** What getHost answers: LoadBalance.pick's result (host set only when ret is SUCC). */
export type GetHostResult = PickResult;

/** Plain counters for the agent's stats; read them, do not write them. */
export interface RouteBookCounters {
  /** getHost calls (= picksSucc + picksOverload + picksNoexist). */
  getHost: number;
  /** report calls (= reportsOk + reportsUnknownRoute + reportsUnknownHost). */
  report: number;
  /** getRoute calls. */
  getRoute: number;
  picksSucc: number;
  picksOverload: number;
  picksNoexist: number;
  /** Of picksSucc, those the get_host table's serving thread answered (native transport). */
  picksInThread: number;
  /** Hosts that went idle -> overload. */
  toOverload: number;
  /** Hosts that went overload -> idle (by report or overload_timeout). */
  toIdle: number;
  reportsOk: number;
  reportsUnknownRoute: number;
  reportsUnknownHost: number;
  /** GetRouteRequests handed to out.pull (a refused one counts again when retried). */
  pulls: number;
  /** get_host / get_route calls for an unknown key answered with no state because the route budget (maxRoutes) is spent. */
  routesOverLimit: number;
  /** GetRouteResponses for a key not tracked (ignored). */
  responsesIgnored: number;
  /** Routes held now. */
  routes: number;
  routesForgotten: number;
  /** ReportStatusRequests handed to out.report (by tick, flush and at once). */
  snapshots: number;
  /** Of `snapshots`, those sent at once before a counter reset. */
  snapshotsImmediate: number;
}

/** A route unused for this many update_timeouts is forgotten. */
const FORGET_AFTER_UPDATE_TIMEOUTS = 10;

/** What get_host answers for a key the budget has no room for: no route, no state. */
const OVER_LIMIT: Readonly<GetHostResult> = Object.freeze({ ret: RetCode.NOEXIST, host: null });

/** A held route: its LoadBalance plus when the book last asked the DNS for it. */
class BookRoute extends LoadBalance {
  /** When this route was last pulled (first ask, re-pull, DNS reconnect). */
  lastPullMs = 0;
  /** Its slot in the get_host table, -1 when it has none. */
  slot = -1;
  claims = 0;
}

/**
 * The routes one agent UDP worker owns: the route life cycle and the reporting
 * of load-balancing.md ("Route life cycle in the agent", "Reporting to the
 * reporter"). Pure logic: no sockets, no timers; every call takes `now` in ms
 * and the caller calls tick(now) every reportIntervalMs.
 *
 * A route in use is pulled again every update_timeout counted from its last
 * PULL, whatever its pushes: the pull renews its subscription at the DNS,
 * which expires subscriptions not renewed within its subscription_ttl. New
 * routes take a slot of the RouteBudget (maxRoutes, shared by the workers);
 * a forgotten route gives it back.
 *
 * With a get_host table (the native transport's serving thread), routes the
 * thread can answer are written to it, and every operation on a route first
 * takes back what the thread did (route-table-link.ts): its picks are the
 * book's, counted by absorbAnswered().
 */
export class RouteBook {
  readonly config: LoadBalanceConfig;
  /** The agent's IPv4 (unsigned), the `caller` of every ReportStatusRequest. */
  readonly caller: number;
  readonly counters: RouteBookCounters = {
    getHost: 0,
    report: 0,
    getRoute: 0,
    picksSucc: 0,
    picksInThread: 0,
    picksOverload: 0,
    picksNoexist: 0,
    toOverload: 0,
    toIdle: 0,
    reportsOk: 0,
    reportsUnknownRoute: 0,
    reportsUnknownHost: 0,
    pulls: 0,
    routesOverLimit: 0,
    responsesIgnored: 0,
    routes: 0,
    routesForgotten: 0,
    snapshots: 0,
    snapshotsImmediate: 0,
  };
  private readonly out: RouteBookOutput;
  /** modid -> cmdid -> route: two number-keyed levels, so a lookup allocates no string key. */
  private readonly routes = new Map<number, Map<number, BookRoute>>();
  private readonly budget: RouteBudget;
  /** Routes whose last pull out.pull refused, retried each tick (in order) until it takes them. */
  private readonly unsentPulls = new Set<BookRoute>();
  /** Routes that became dirty since the last tick; a member may have been cleaned by an immediate snapshot. */
  private readonly dirtyRoutes = new Set<LoadBalance>();
  private readonly events: LoadBalanceEvents;
  private nextSweepMs = 0;
  private readonly link: RouteTableLink | undefined;

  constructor(
    config: LoadBalanceConfig,
    out: RouteBookOutput,
    caller: number,
    budget: RouteBudget = UNLIMITED_ROUTES,
    table?: GetHostTableSlots,
  ) {
    checkLoadBalanceConfig(config);
    checkOption(
      Number.isInteger(caller) && caller >= 0 && caller <= 0xffffffff,
      'caller',
      'must be an unsigned 32-bit IPv4',
    );
    this.config = config;
    this.out = out;
    this.caller = caller;
    this.budget = budget;
    this.link = table === undefined ? undefined : new RouteTableLink(table, config.updateTimeoutMs);
    this.events = {
      snapshotNow: (lb, now) => {
        this.counters.snapshotsImmediate++;
        this.send(lb, now);
      },
      becameDirty: (lb) => {
        this.dirtyRoutes.add(lb);
      },
      overloadChanged: (_lb, host) => {
        if (host.overload) this.counters.toOverload++;
        else this.counters.toIdle++;
      },
    };
  }

  /** Number of routes held. */
  get routeCount(): number {
    return this.counters.routes;
  }

  /** The route of (modid, cmdid) if it is tracked. */
  find(modid: number, cmdid: number): LoadBalance | undefined {
    return this.held(modid, cmdid);
  }

  /** Every tracked route. */
  *allRoutes(): IterableIterator<LoadBalance> {
    for (const byCmd of this.routes.values()) yield* byCmd.values();
  }

  /**
   * get_host: LoadBalance.pick of the route, counted by outcome. The returned
   * object is reused: it is valid until the next getHost call, so copy what
   * you keep (the agent encodes its reply at once).
   */
  getHost(modid: number, cmdid: number, now: number): Readonly<GetHostResult> {
    this.counters.getHost++;
    const lb = this.access(modid, cmdid, now);
    if (lb === undefined) {
      this.counters.picksNoexist++;
      return OVER_LIMIT;
    }
    try {
      const picked = lb.pick(now);
      if (picked.ret === RetCode.SUCC) this.counters.picksSucc++;
      else if (picked.ret === RetCode.NOEXIST) this.counters.picksNoexist++;
      else this.counters.picksOverload++;
      return picked;
    } finally {
      this.leave(lb);
    }
  }

  /** get_route: every host of the route (a new array), empty when it has none or is unknown. */
  getRoute(modid: number, cmdid: number, now: number): LoadBalanceHost[] {
    this.counters.getRoute++;
    const lb = this.access(modid, cmdid, now);
    if (lb === undefined) return [];
    try {
      return Array.from(lb.hosts());
    } finally {
      this.leave(lb);
    }
  }

  /**
   * Counts the get_hosts the get_host table answered since the last call
   * (each a SUCC) into the counters; the agent calls it before publishing them.
   */
  absorbAnswered(): void {
    if (this.link === undefined) return;
    const answered = this.link.answered();
    this.counters.getHost += answered;
    this.counters.picksSucc += answered;
    this.counters.picksInThread += answered;
  }

  /** A call result from the SDK. */
  report(
    modid: number,
    cmdid: number,
    ip: number,
    port: number,
    retcode: number,
    timecostMs: number,
    now: number,
  ): 'ok' | 'unknown-route' | 'unknown-host' {
    this.counters.report++;
    const lb = this.held(modid, cmdid);
    if (lb === undefined) {
      this.counters.reportsUnknownRoute++;
      return 'unknown-route';
    }
    this.enter(lb);
    try {
      if (!lb.report(ip, port, retcode, timecostMs, now)) {
        this.counters.reportsUnknownHost++;
        return 'unknown-host';
      }
    } finally {
      this.leave(lb);
    }
    this.counters.reportsOk++;
    return 'ok';
  }

  /**
   * A GetRouteResponse (reply or push). Returns false, ignoring it, when the
   * key is not tracked. An empty host list keeps the route tracked with no
   * host (NOEXIST), so a later push that adds hosts fills it.
   */
  onRouteResponse(
    modid: number,
    cmdid: number,
    hosts: ReadonlyArray<{ readonly ip: number; readonly port: number }>,
    now: number,
  ): boolean {
    const lb = this.held(modid, cmdid);
    if (lb === undefined) {
      this.counters.responsesIgnored++;
      return false;
    }
    this.enter(lb);
    try {
      lb.update(hosts, now);
    } finally {
      this.leave(lb);
    }
    return true;
  }

  /**
   * The DNS connection is (re)established: every PULLING route becomes NEW and
   * every tracked route is pulled at once (the main thread paces them), so the
   * new connection is subscribed to all of them. lastUpdateMs is left alone
   * (it stays the age of the data); lastPullMs becomes `now`.
   */
  onDnsConnected(now: number): void {
    for (const byCmd of this.routes.values()) {
      for (const lb of byCmd.values()) {
        this.enter(lb);
        try {
          if (lb.state === RouteState.PULLING) lb.state = RouteState.NEW;
          this.pull(lb, now);
        } finally {
          this.leave(lb);
        }
      }
    }
  }

  /**
   * Call every reportIntervalMs: one ReportStatusRequest per dirty route, then
   * (at most once per update_timeout) forgets routes nobody asked for during
   * 10 x update_timeout.
   */
  tick(now: number): void {
    this.flush(now);
    this.retryPulls();
    if (now < this.nextSweepMs) return;
    this.nextSweepMs = now + this.config.updateTimeoutMs;
    const unusedMs = FORGET_AFTER_UPDATE_TIMEOUTS * this.config.updateTimeoutMs;
    for (const [modid, byCmd] of this.routes) {
      for (const [cmdid, lb] of byCmd) {
        // The table's answers count as use: claim them before judging.
        this.enter(lb);
        if (now - lb.lastAccessMs < unusedMs) {
          this.leave(lb);
          continue;
        }
        if (lb.slot >= 0) this.link?.forget(lb);
        byCmd.delete(cmdid);
        this.unsentPulls.delete(lb);
        this.budget.release();
        this.counters.routes--;
        this.counters.routesForgotten++;
      }
      if (byCmd.size === 0) this.routes.delete(modid);
    }
  }

  /** Sends a ReportStatusRequest for every dirty route now (tick does this; also for shutdown). */
  flush(now: number): void {
    for (const lb of this.dirtyRoutes) {
      if (lb.dirty) this.send(lb, now);
    }
    this.dirtyRoutes.clear();
  }

  /**
   * The tracked route of the key, created (PULLING, pulled) if unknown, pulled
   * again if its last pull is more than update_timeout old; marks it used.
   * Undefined (nothing kept) for an unknown key when the budget is spent.
   * A route returned is entered (its table slot claimed): the caller leaves it.
   */
  private access(modid: number, cmdid: number, now: number): BookRoute | undefined {
    let byCmd = this.routes.get(modid);
    let lb = byCmd?.get(cmdid);
    if (lb === undefined) {
      if (!this.budget.reserve()) {
        this.counters.routesOverLimit++;
        return undefined;
      }
      lb = new BookRoute(modid, cmdid, this.config, this.events);
      // Until its first response, a route's data is as old as its first pull.
      lb.lastUpdateMs = now;
      if (byCmd === undefined) {
        byCmd = new Map<number, BookRoute>();
        this.routes.set(modid, byCmd);
      }
      byCmd.set(cmdid, lb);
      this.counters.routes++;
      if (this.link !== undefined) lb.slot = this.link.open(modid, cmdid);
      this.enter(lb);
      this.pull(lb, now);
    } else {
      this.enter(lb);
      // Counted from the last pull, not the last update: a route pushed more
      // often than update_timeout must still renew its DNS subscription. A
      // PULLING route whose answer was lost is pulled again the same way.
      if (now - lb.lastPullMs > this.config.updateTimeoutMs) {
        lb.state = RouteState.PULLING;
        this.pull(lb, now);
      }
    }
    lb.lastAccessMs = now;
    return lb;
  }

  private held(modid: number, cmdid: number): BookRoute | undefined {
    return this.routes.get(modid)?.get(cmdid);
  }

  /** Claims the route's table slot, if it has one (RouteTableLink.claim). */
  private enter(lb: BookRoute): void {
    if (lb.slot >= 0) this.link?.claim(lb);
  }

  /** Writes the route to its table slot and releases it, if it has one (RouteTableLink.release). */
  private leave(lb: BookRoute): void {
    if (lb.slot >= 0) this.link?.release(lb);
  }

  private pull(lb: BookRoute, now: number): void {
    lb.lastPullMs = now;
    this.counters.pulls++;
    if (this.out.pull(lb.modid, lb.cmdid)) this.unsentPulls.delete(lb);
    else this.unsentPulls.add(lb);
  }

  /** Hands the refused pulls to out.pull again, oldest first, until it refuses one. */
  private retryPulls(): void {
    for (const lb of this.unsentPulls) {
      this.counters.pulls++;
      if (!this.out.pull(lb.modid, lb.cmdid)) return;
      this.unsentPulls.delete(lb);
    }
  }

  private send(lb: LoadBalance, now: number): void {
    this.counters.snapshots++;
    this.out.report({
      modid: lb.modid,
      cmdid: lb.cmdid,
      caller: this.caller,
      ts: Math.floor(now / 1000),
      results: lb.takeSnapshot(),
    });
  }
}
