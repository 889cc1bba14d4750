import type { RouteKey } from './route-store.js';

/**
 * GetRouteRequests that arrived before the DNS had a route table. They are
 * held, not answered: an empty answer would wipe the hosts of an agent that
 * failed over to this DNS. Once the first table loads each is answered.
 * At most one per (connection, route), so a peer repeating its pulls holds
 * no more memory than its subscriptions do; a closed connection's are dropped.
 */
export class HeldPulls<C> {
  private readonly byConn = new Map<C, Map<string, RouteKey>>();
  private held = 0;

  /** Held requests. */
  get size(): number {
    return this.held;
  }

  hold(conn: C, modid: number, cmdid: number): void {
    let routes = this.byConn.get(conn);
    if (routes === undefined) {
      routes = new Map();
      this.byConn.set(conn, routes);
    }
    const key = `${modid}:${cmdid}`;
    if (routes.has(key)) return;
    routes.set(key, { modid, cmdid });
    this.held++;
  }

  /** The connection closed: nothing to answer. */
  drop(conn: C): void {
    const routes = this.byConn.get(conn);
    if (routes === undefined) return;
    this.held -= routes.size;
    this.byConn.delete(conn);
  }

  /** Hands every held request to `answer`, in arrival order per connection, and forgets them. */
  drain(answer: (conn: C, route: RouteKey) => void): void {
    const all = [...this.byConn];
    this.byConn.clear();
    this.held = 0;
    for (const [conn, routes] of all) for (const route of routes.values()) answer(conn, route);
  }
}
