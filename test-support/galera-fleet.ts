// A Lars fleet on the local three-node Galera cluster (galera-cluster.ts):
// DNS and reporter daemons as child processes (so a test can kill -9 one and
// start it again on its port), the `[mysql] db_hosts` naming every node, a
// once-a-second route changer that knows what every route must hold, and a
// record of the report snapshots each in-process agent handed to its
// reporter links (what ServerCallStatus must end up holding).
import { createConnection, type Connection } from 'mysql2/promise';
import type { Agent } from '@lars/agent';
import { type DecodedMessageMap, decodeBody, intToIp, ipToInt, MessageId } from '@lars/proto';
import { changeRoutes, type RouteEdit } from '@lars/store';
import { type DaemonProcess, startDaemonProcess } from './daemon-process.js';
import type { GaleraCluster, GaleraNode } from './galera-cluster.js';

/** `[mysql]` with `db_hosts` listing `nodes` in the order given. */
export function galeraMysqlSection(cluster: GaleraCluster, nodes: readonly GaleraNode[] = cluster.nodes): string {
  const hosts = nodes.map((n) => `${n.host}:${n.port}`).join(', ');
  return `[mysql]\ndb_hosts = ${hosts}\ndb_user = ${cluster.user}\ndb_passwd = ${cluster.password}\ndb_name = ${cluster.database}\n`;
}

/** A daemon of the fleet on `port` with `[mysql]` naming every node and its own `section`, resolved once it prints `ready`. */
async function startFleetDaemon(
  cluster: GaleraCluster,
  entry: string,
  port: number,
  section: string,
  ready: string,
): Promise<DaemonProcess> {
  const daemon = startDaemonProcess(
    entry,
    `[reactor]\nip = 127.0.0.1\nport = ${port}\n${galeraMysqlSection(cluster)}${section}[stats]\nport = 0\n`,
  );
  await daemon.waitForOutput(ready);
  return daemon;
}

/** A DNS daemon (packages/dns/src/main.ts) on `port`, resolved once it serves. */
export function startFleetDns(cluster: GaleraCluster, port: number): Promise<DaemonProcess> {
  return startFleetDaemon(cluster, 'packages/dns/src/main.ts', port, '[dns]\ncheck_interval = 0.2\n', 'DNS serving');
}

/** A reporter daemon (packages/reporter/src/main.ts) on `port`, resolved once it serves. */
export function startFleetReporter(cluster: GaleraCluster, port: number): Promise<DaemonProcess> {
  return startFleetDaemon(
    cluster,
    'packages/reporter/src/main.ts',
    port,
    '[reporter]\ndb_thread_cnt = 2\n',
    'reporter serving',
  );
}

/** kill -9 of a daemon process; resolves once it is gone. */
export async function killDaemon(daemon: DaemonProcess): Promise<void> {
  await daemon.stop('SIGKILL');
}

/** One connection to node `node` of the cluster (1..3). */
export function connectNode(cluster: GaleraCluster, node: number): Promise<Connection> {
  const { host, port } = cluster.nodes[node - 1];
  return createConnection({ host, port, user: cluster.user, password: cluster.password, database: cluster.database });
}

/** The key of one ServerCallStatus row. */
export function statusRowKey(modid: number, cmdid: number, ip: number, port: number, caller: number): string {
  return `${modid}/${cmdid}/${intToIp(ip)}:${port}/${intToIp(caller)}`;
}

/** The columns of a ServerCallStatus row a snapshot sets. */
export interface StatusValues {
  succ: number;
  err: number;
  ts: number;
  overload: '0' | '1';
}

interface SendingLinks {
  send(modid: number, cmdid: number, body: Uint8Array): boolean;
}

/**
 * Test hook: records, per ServerCallStatus row key, the last snapshot
 * `agent` handed to a reporter link (ReportLinks.send returned true: the
 * link queued it, at-least-once and in order from then on). The agent has
 * no public hook for this; the wrapper sits on its private `reporters`
 * field, in front of the real send, and decodes the ReportStatusRequest body.
 */
export class SnapshotLog {
  /** Row key -> the values of the last snapshot sent for that host. */
  readonly last = new Map<string, StatusValues>();
  /** Snapshots (ReportStatusRequests) sent, and the host results in them. */
  snapshots = 0;
  results = 0;

  constructor(agent: Agent) {
    const links = (agent as unknown as { reporters: SendingLinks }).reporters;
    const send = links.send.bind(links);
    links.send = (modid, cmdid, body) => {
      // Decoded first: the body is a view into the worker's queue record.
      const req = decodeBody(MessageId.ReportStatusRequest, body);
      const taken = send(modid, cmdid, body);
      if (taken) this.record(req);
      return taken;
    };
  }

  private record(req: DecodedMessageMap[typeof MessageId.ReportStatusRequest]): void {
    this.snapshots++;
    for (const r of req.results) {
      this.results++;
      this.last.set(statusRowKey(req.modid, req.cmdid, (r.ip ?? 0) >>> 0, r.port ?? 0, req.caller >>> 0), {
        succ: r.succ ?? 0,
        err: r.err ?? 0,
        ts: req.ts >>> 0,
        overload: r.overload ? '1' : '0',
      });
    }
  }
}

/** Every ServerCallStatus row of `modids`, by row key. */
export async function readStatusRows(conn: Connection, modids: readonly number[]): Promise<Map<string, StatusValues>> {
  const [rows] = await conn.query(
    'SELECT modid, cmdid, ip, port, caller, succ_cnt, err_cnt, ts, overload FROM ServerCallStatus WHERE modid IN (?)',
    [modids],
  );
  const out = new Map<string, StatusValues>();
  for (const r of rows as Array<Record<string, number | string>>) {
    out.set(statusRowKey(Number(r.modid), Number(r.cmdid), Number(r.ip), Number(r.port), Number(r.caller)), {
      succ: Number(r.succ_cnt),
      err: Number(r.err_cnt),
      ts: Number(r.ts),
      overload: r.overload === '1' ? '1' : '0',
    });
  }
  return out;
}

/** MySQL errors after which a route change is tried again: a Galera certification conflict, a lost connection. */
function retryable(err: unknown): boolean {
  const e = err as { errno?: number; code?: string; fatal?: boolean };
  return e?.errno === 1213 || e?.errno === 1047 || e?.fatal === true || e?.code === 'ECONNRESET';
}

/** A route key and its hosts as `ip:port`. */
export interface RouteKey {
  modid: number;
  cmdid: number;
}

/**
 * Adds one host to one of `routes` (round robin) every `intervalMs`, each
 * change one changeRoutes transaction on `node`'s connection (reopened and
 * retried on a certification conflict or a lost connection), and keeps what
 * every route must hold once all changes are applied. start() first adds
 * `initial` hosts per route in one change.
 */
export class RouteChanger {
  /** Route key `modid/cmdid` -> its hosts (`ip:port`), as committed. */
  readonly hosts = new Map<string, string[]>();
  /** Changes committed, retries made (counted, not bounded). */
  changes = 0;
  retries = 0;
  private conn: Connection | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> = Promise.resolve();
  private failure: unknown = null;
  private next = 0;

  constructor(
    private readonly cluster: GaleraCluster,
    private readonly node: number,
    private readonly routes: readonly RouteKey[],
  ) {
    for (const r of routes) this.hosts.set(`${r.modid}/${r.cmdid}`, []);
  }

  /** Adds the first host of every route (one change), then one host per interval. */
  async start(intervalMs: number): Promise<void> {
    await this.apply(this.routes.map((r) => this.newHost(r)));
    this.timer = setInterval(() => {
      // One change at a time: a slow one (a retry) delays the next tick's, never overlaps it.
      this.running = this.running.then(() =>
        this.failure === null
          ? this.apply([this.newHost(this.routes[this.next++ % this.routes.length])]).catch((err) => {
              this.failure = err;
            })
          : undefined,
      );
    }, intervalMs);
  }

  /** Stops the changes and resolves once the last one is committed; rethrows a change that failed for good. */
  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.running;
    await this.conn?.end().catch(() => this.conn?.destroy());
    this.conn = null;
    if (this.failure !== null) throw this.failure;
  }

  /** The hosts `key` must hold, sorted. */
  expected(key: RouteKey): string[] {
    return [...(this.hosts.get(`${key.modid}/${key.cmdid}`) ?? [])].sort();
  }

  private seq = 0;

  private newHost(r: RouteKey): RouteEdit & { op: 'add' } {
    const n = ++this.seq;
    return { op: 'add', modid: r.modid, cmdid: r.cmdid, ip: ipToInt(`10.77.${n >> 8}.${n & 255}`), port: 9000 + n };
  }

  private async apply(edits: Array<RouteEdit & { op: 'add' }>): Promise<void> {
    for (;;) {
      try {
        this.conn ??= await connectNode(this.cluster, this.node);
        await changeRoutes(this.conn, edits);
        break;
      } catch (err) {
        if (!retryable(err)) throw err;
        this.retries++;
        const c = this.conn;
        this.conn = null;
        c?.destroy();
      }
    }
    this.changes++;
    for (const e of edits) this.hosts.get(`${e.modid}/${e.cmdid}`)?.push(`${intToIp(e.ip)}:${e.port}`);
  }
}
