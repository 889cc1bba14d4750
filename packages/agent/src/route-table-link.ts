import type { LoadBalanceHost } from './load-balance-host.js';

/** The part of @lars/udp-native's GetHostTable a RouteBook uses (a slot per route; see there). */
export interface GetHostTableSlots {
  readonly maxHosts: number;
  open(modid: number, cmdid: number): number;
  lock(slot: number): void;
  unlock(slot: number): void;
  serving(slot: number): boolean;
  cursor(slot: number): number;
  lastAccess(slot: number): number;
  setHost(slot: number, i: number, ip: number, port: number): void;
  serve(slot: number, count: number, deadlineMs: number, lastAccessMs: number): void;
  hold(slot: number): void;
  remove(slot: number): void;
  answered(): number;
}

/** What the link reads and changes of a route (a RouteBook's BookRoute). */
export interface TableRoute {
  /** The route's slot in the table, -1 when it has none (the table was full). */
  slot: number;
  /**
   * Claims of the slot not yet released: a claim inside a claim (a call back
   * into the book while it holds the route) must not take the lock twice.
   */
  claims: number;
  lastPullMs: number;
  lastAccessMs: number;
  readonly idleCount: number;
  readonly overloadCount: number;
  forEachIdle(visit: (host: LoadBalanceHost, index: number) => void): void;
  rotateIdle(turns: number): void;
}

/**
 * Keeps a RouteBook's routes and a get_host table in step, so that the
 * native transport's serving thread answers get_host for a route exactly as
 * the route's own pick() would.
 *
 * The thread answers only while the pick is a plain rotation of the idle
 * queue: no overloaded host (so no probe turn and no overload timeout), at
 * most maxHosts idle hosts, and the route's last pull within update_timeout
 * (a later get_host must pull it again, which the book does). Around every
 * operation on a route the book calls claim() (the slot's lock taken, the
 * thread's picks applied: the idle queue rotated by the slot's cursor,
 * lastAccessMs brought forward) and then release() (the route written back
 * as it now stands, from cursor 0, and the lock let go).
 */
export class RouteTableLink {
  readonly table: GetHostTableSlots;
  private readonly updateTimeoutMs: number;
  /** The slot writeHost writes to (set by release, so the visitor allocates nothing). */
  private writing = -1;

  constructor(table: GetHostTableSlots, updateTimeoutMs: number) {
    this.table = table;
    this.updateTimeoutMs = updateTimeoutMs;
  }

  /** A slot for a new route: held (left to JavaScript) until its first release(). */
  open(modid: number, cmdid: number): number {
    return this.table.open(modid, cmdid);
  }

  /** Takes the route's slot lock and applies what the thread answered since the last release(). */
  claim(route: TableRoute): void {
    const { table } = this;
    const slot = route.slot;
    if (route.claims++ > 0) return;
    table.lock(slot);
    if (!table.serving(slot)) return;
    const turns = table.cursor(slot);
    if (turns > 0) route.rotateIdle(turns);
    const accessed = table.lastAccess(slot);
    if (accessed > route.lastAccessMs) route.lastAccessMs = accessed;
  }

  /** Writes the claimed route back (served by the thread when it can be) and lets the lock go. */
  release(route: TableRoute): void {
    const { table } = this;
    const slot = route.slot;
    if (--route.claims > 0) return;
    const count = route.idleCount;
    if (route.overloadCount === 0 && count > 0 && count <= table.maxHosts) {
      this.writing = slot;
      route.forEachIdle(this.writeHost);
      table.serve(slot, count, route.lastPullMs + this.updateTimeoutMs, route.lastAccessMs);
    } else {
      table.hold(slot);
    }
    table.unlock(slot);
  }

  /** Gives up the claimed route's slot (the route is forgotten) and lets the lock go. */
  forget(route: TableRoute): void {
    this.table.remove(route.slot);
    this.table.unlock(route.slot);
    route.slot = -1;
    route.claims = 0;
  }

  /** get_hosts the thread answered since the last call (all SUCC). */
  answered(): number {
    return this.table.answered();
  }

  private readonly writeHost = (host: LoadBalanceHost, i: number): void => {
    this.table.setHost(this.writing, i, host.ip, host.port);
  };
}
