// A test file's whole Lars behind the console: its own database, the real
// DNS, reporter (1 s rollup buckets) and LB agent, each with its [stats]
// endpoint, and the WebServer on port 0 reading those endpoints. Closed in
// reverse order of starting. The browser flows (console-browser.test.ts) run
// against it; the helpers let a test change routes and watch the agent.
import { ipToInt } from '@lars/proto';
import { Agent } from '@lars/agent';
import { LarsClient, type HostAddress } from '@lars/client';
import { DnsServer } from '@lars/dns';
import { ReporterServer } from '@lars/reporter';
import { changeRoutes, type RouteEdit } from '@lars/store';
import { expect, vi } from 'vitest';
import type { TestDatabase } from '../../../test-support/db.js';
import { freePortRange } from '../../../test-support/ports.js';
import { serveStatsEndpoint, type StatsEndpoint } from '../../../test-support/stats-endpoint.js';
import { WebServer, type WebServerOptions } from '../src/web-server.js';
import { createWebTestDatabase, mysqlOf, runWebUserCli } from './web-test-db.js';

/** The reporter's and the console's bucket width: small, so a test sees its rollup rows soon. */
export const STACK_ROLLUP_INTERVAL_S = 1;

/** One CallStatusMinute row (`minute`: the bucket's start, unix seconds). */
export interface RollupRow {
  ip: string;
  port: number;
  minute: number;
  succ: number;
  err: number;
}

export interface ConsoleStack {
  readonly db: TestDatabase;
  readonly dns: DnsServer;
  readonly reporter: ReporterServer;
  readonly agent: Agent;
  readonly web: WebServer;
  /** The agent's first UDP port (LarsClient basePort). */
  readonly agentBasePort: number;
  /** `http://127.0.0.1:PORT` of the console. */
  readonly url: string;
  /** Applies `edits` through changeRoutes (as the tools do), outside the console. */
  changeRoutes(edits: RouteEdit[]): Promise<void>;
  /** Adds `ip:port` to (modid, cmdid) through changeRoutes. */
  addHost(modid: number, cmdid: number, ip: string, port: number): Promise<void>;
  /** Waits until the agent's route of (modid, cmdid) satisfies `predicate`, and returns its hosts. */
  waitForAgentRoute(modid: number, cmdid: number, predicate: (hosts: HostAddress[]) => boolean): Promise<HostAddress[]>;
  /** Reports one call to ip:port of (modid, cmdid) through the agent, success or failure. */
  report(modid: number, cmdid: number, ip: string, port: number, ok: boolean): void;
  /** The CallStatusMinute rows of (modid, cmdid) the reporter wrote, oldest bucket first. */
  rollupRows(modid: number, cmdid: number): Promise<RollupRow[]>;
  /** Runs the real `./run_lars.sh web-user ARGS` (web-user-cli.ts) on the stack's database, `stdin` piped in. */
  webUser(args: string[], stdin?: string): Promise<{ code: number | null; out: string; err: string }>;
  close(): Promise<void>;
}

/** Starts the stack; `web` adds to (or overrides) the console's options. Call close() in afterAll. */
export async function startConsoleStack(web: WebServerOptions = {}): Promise<ConsoleStack> {
  const closers: Array<() => Promise<void> | void> = [];
  const close = async () => {
    for (const c of closers.splice(0).reverse()) await c();
  };
  try {
    const db = await createWebTestDatabase();
    closers.push(() => db.drop());
    const mysql = mysqlOf(db);
    const stats = async (daemon: Parameters<typeof serveStatsEndpoint>[0]) => {
      const e: StatsEndpoint = await serveStatsEndpoint(daemon);
      closers.push(() => e.close());
      return { host: '127.0.0.1', port: Number(new URL((await e.get('/readyz')).url).port) };
    };

    const dns = new DnsServer({ port: 0, mysql, checkIntervalMs: 100, defaultMetrics: false });
    closers.push(() => dns.close());
    const { port: dnsPort } = await dns.start();
    const dnsStats = await stats(dns);

    const reporter = new ReporterServer({
      port: 0,
      writers: 1,
      mysql,
      rollupIntervalS: STACK_ROLLUP_INTERVAL_S,
      rollupFlushMs: 200,
      defaultMetrics: false,
    });
    closers.push(() => reporter.close());
    const { port: reporterPort } = await reporter.start();
    const reporterStats = await stats(reporter);

    const agentBasePort = await freePortRange(3);
    const agent = new Agent({
      basePort: agentBasePort,
      dns: [{ host: '127.0.0.1', port: dnsPort }],
      reporters: [{ host: '127.0.0.1', port: reporterPort }],
      caller: '127.0.0.1',
      backoff: { initialMs: 20, maxMs: 200 },
      statsIntervalMs: 20,
      defaultMetrics: false,
    });
    closers.push(() => agent.close());
    await agent.start();
    const agentStats = await stats(agent);

    const client = new LarsClient({ host: '127.0.0.1', basePort: agentBasePort, env: {}, timeoutMs: 200 });
    closers.push(() => client.close());

    const server = new WebServer({
      port: 0,
      mysql,
      dnsStats: [dnsStats],
      reporterStats: [reporterStats],
      agentStats: [agentStats],
      agent: { host: '127.0.0.1', port: agentBasePort },
      rollupIntervalMs: STACK_ROLLUP_INTERVAL_S * 1000,
      defaultMetrics: false,
      ...web,
    });
    closers.push(() => server.close());
    await server.start();
    const { port } = server.address();

    const apply = async (edits: RouteEdit[]) => {
      const conn = await db.admin.getConnection();
      try {
        await changeRoutes(conn, edits);
      } finally {
        conn.release();
      }
    };
    return {
      db,
      dns,
      reporter,
      agent,
      web: server,
      agentBasePort,
      url: `http://127.0.0.1:${port}`,
      changeRoutes: apply,
      addHost: (modid, cmdid, ip, hostPort) => apply([{ op: 'add', modid, cmdid, ip: ipToInt(ip), port: hostPort }]),
      async waitForAgentRoute(modid, cmdid, predicate) {
        return vi.waitFor(
          async () => {
            const r = await client.getRoute(modid, cmdid);
            expect(predicate(r.hosts), `the agent's route ${modid}/${cmdid}: ${JSON.stringify(r)}`).toBe(true);
            return r.hosts;
          },
          { timeout: 10_000, interval: 50 },
        );
      },
      report(modid, cmdid, ip, hostPort, ok) {
        client.report(modid, cmdid, { ip, port: hostPort }, ok ? 0 : 1);
      },
      async rollupRows(modid, cmdid) {
        const [rows] = await db.admin.query(
          `SELECT INET_NTOA(ip) AS ip, port, minute, SUM(succ) AS succ, SUM(err) AS err FROM CallStatusMinute
           WHERE modid = ? AND cmdid = ? GROUP BY ip, port, minute ORDER BY minute, ip, port`,
          [modid, cmdid],
        );
        return (rows as Array<Record<string, string | number>>).map((r) => ({
          ip: String(r.ip),
          port: Number(r.port),
          minute: Number(r.minute),
          succ: Number(r.succ),
          err: Number(r.err),
        }));
      },
      webUser: (args, stdin = '') => runWebUserCli(db, args, stdin),
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
