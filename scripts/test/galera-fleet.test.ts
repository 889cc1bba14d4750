// A Lars fleet on the three-node Galera cluster through a rolling outage: two
// DNS and two reporter daemons (child processes, `db_hosts` naming all three
// nodes), two in-process agents each driven by the qps tool at a capped rate,
// and a route change every second. kill -9 of one MariaDB node, then of one
// DNS, then of one reporter; each comes back; then the load stops and the
// test checks, exactly, that nothing was lost on the way.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Connection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Agent, type AgentStats } from '@lars/agent';
import { LarsClient, RetCode } from '@lars/client';
import { type QpsSummary, runTool, type ToolIO } from '@lars/tools';
import type { DaemonProcess } from '../../test-support/daemon-process.js';
import {
  clusterStatus,
  type GaleraCluster,
  type GaleraClusterOptions,
  type GaleraNodeStatus,
  killNode,
  restartNode,
  startGaleraCluster,
  stopGaleraCluster,
} from '../../test-support/galera-cluster.js';
import {
  connectNode,
  killDaemon,
  readStatusRows,
  RouteChanger,
  type RouteKey,
  SnapshotLog,
  startFleetDns,
  startFleetReporter,
  type StatusValues,
} from '../../test-support/galera-fleet.js';
import { freePort, freePortRange, isPortFree } from '../../test-support/ports.js';
import { REPO_ROOT } from '../../test-support/repo-paths.js';
import { until } from '../../test-support/wait.js';

// A cluster of its own: not var/galera (3311..) nor galera-cluster.test.ts's var/tmp/galera-test.
const DIR = join(REPO_ROOT, 'var', 'galera-fleet-test');
const PREFERRED_BASE_PORT = 3331;
const CLUSTER_PORTS = 12;
let options: GaleraClusterOptions = { dir: DIR };

/** The node killed; the route changer and the checks use another one. */
const KILLED_NODE = 1;
const CHANGER_NODE = 2;
/** The qps tool: thread i loops get_host + a success report on (i + 1, 1). */
const QPS_THREADS = 2;
const QPS_RATE = 100;
const ROUTES: readonly RouteKey[] = Array.from({ length: QPS_THREADS }, (_, i) => ({ modid: i + 1, cmdid: 1 }));
const MODIDS = ROUTES.map((r) => r.modid);
const CHANGE_INTERVAL_MS = 1000;
// Bounds only: every wait ends as soon as what it waits for happens.
const WAIT_MS = 30_000;

const peer = (port: number) => `127.0.0.1:${port}`;

class Capture {
  text = '';
  readonly isTTY = false;
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
}

interface FleetAgent {
  agent: Agent;
  client: LarsClient;
  log: SnapshotLog;
  /** Its stats once it held every route, before the load started. */
  base: AgentStats;
}

let cluster: GaleraCluster;
const dnsPorts: number[] = [];
const reporterPorts: number[] = [];
const dns: DaemonProcess[] = [];
const reporters: DaemonProcess[] = [];
const agents: FleetAgent[] = [];
let changer: RouteChanger | null = null;
let checkConn: Connection | null = null;
const load = new AbortController();

beforeAll(async () => {
  // A run that died before afterAll may have left nodes in DIR.
  await stopGaleraCluster(options);
  await rm(DIR, { recursive: true, force: true });
  let basePort = PREFERRED_BASE_PORT;
  for (let p = basePort; p < basePort + CLUSTER_PORTS; p++) {
    if (!(await isPortFree(p))) {
      basePort = await freePortRange(CLUSTER_PORTS);
      break;
    }
  }
  options = { dir: DIR, basePort };
  cluster = await startGaleraCluster(options);
  checkConn = await connectNode(cluster, CHANGER_NODE);
  // The cluster's schema may come with sample routes on the qps tool's keys: the test's own hosts only.
  // (Before any DNS runs, so their first load sees the clean tables.)
  await checkConn.query('DELETE FROM RouteData WHERE modid IN (?)', [MODIDS]);
  await checkConn.query('DELETE FROM ServerCallStatus WHERE modid IN (?)', [MODIDS]);

  for (let i = 0; i < 2; i++) {
    dnsPorts.push(await freePort());
    reporterPorts.push(await freePort());
  }
  const started = await Promise.all([
    ...dnsPorts.map((p) => startFleetDns(cluster, p)),
    ...reporterPorts.map((p) => startFleetReporter(cluster, p)),
  ]);
  dns.push(...started.slice(0, 2));
  reporters.push(...started.slice(2));

  for (let i = 0; i < 2; i++) {
    const basePort = await freePortRange(3);
    const agent = new Agent({
      basePort,
      // Each agent starts on a different DNS; both know both.
      dns: (i === 0 ? dnsPorts : [...dnsPorts].reverse()).map((port) => ({ host: '127.0.0.1', port })),
      reporters: reporterPorts.map((port) => ({ host: '127.0.0.1', port })),
      // Distinct callers: each agent has its own ServerCallStatus rows.
      caller: `127.0.0.${i + 1}`,
      backoff: { initialMs: 20, maxMs: 200 },
      statsIntervalMs: 20,
      defaultMetrics: false,
    });
    const log = new SnapshotLog(agent);
    await agent.start();
    const client = new LarsClient({ host: '127.0.0.1', basePort, env: {} });
    agents.push({ agent, client, log, base: agent.stats() });
  }
}, 180_000);

afterAll(async () => {
  load.abort();
  // A change that failed for good was already thrown by the test's own stop(); here only the cleanup goes on.
  await changer?.stop().catch((err: unknown) => process.stderr.write(`route changer: ${String(err)}\n`));
  for (const a of agents) {
    await a.client.close();
    await a.agent.close();
  }
  await Promise.all([...dns, ...reporters].map((d) => killDaemon(d)));
  await checkConn?.end().catch(() => checkConn?.destroy());
  await stopGaleraCluster(options);
  await rm(DIR, { recursive: true, force: true });
}, 120_000);

/** The hosts `a` serves for `key`, sorted (`ip:port`), or the ret code when none. */
async function agentHosts(a: FleetAgent, key: RouteKey): Promise<string[] | number> {
  const r = await a.client.getRoute(key.modid, key.cmdid);
  if (r.ret !== RetCode.SUCC) return r.ret;
  return r.hosts.map((h) => `${h.ip}:${h.port}`).sort();
}

/** What the last agentsHoldEveryChange saw differ, for the timeout message. */
let lastMismatch = '';

async function agentsHoldEveryChange(c: RouteChanger): Promise<boolean> {
  for (const [i, a] of agents.entries()) {
    for (const key of ROUTES) {
      const held = await agentHosts(a, key);
      const want = c.expected(key);
      if (JSON.stringify(held) !== JSON.stringify(want)) {
        lastMismatch = `agent ${i} (${key.modid},${key.cmdid}) holds ${JSON.stringify(held)}, want ${JSON.stringify(want)}`;
        return false;
      }
    }
  }
  return true;
}

/** until() whose timeout names what agentsHoldEveryChange last saw differ. */
async function untilRoutes(cond: () => Promise<boolean>, what: string): Promise<void> {
  lastMismatch = '';
  await until(cond, what, WAIT_MS).catch((err: Error) => {
    throw new Error(
      `${err.message}; last seen: ${lastMismatch} (changes ${changer?.changes}, retries ${changer?.retries})`,
    );
  });
}

/** Waits for two more route changes to be committed and to reach both agents. */
async function changesKeepArriving(c: RouteChanger, what: string): Promise<void> {
  const target = c.changes + 2;
  await untilRoutes(async () => c.changes >= target && (await agentsHoldEveryChange(c)), `route changes ${what}`);
}

async function status(): Promise<GaleraNodeStatus[]> {
  return clusterStatus(options);
}

const synced = (s: GaleraNodeStatus, size: number) => s.state === 'Synced' && s.size === size;

/** The union of both agents' last snapshots, by ServerCallStatus key. */
function lastSnapshots(): Map<string, StatusValues> {
  const all = new Map<string, StatusValues>();
  for (const a of agents) for (const [k, v] of a.log.last) all.set(k, v);
  return all;
}

const sorted = (m: Map<string, StatusValues>) => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

function runQps(a: FleetAgent): Promise<{ code: number; summary: QpsSummary; err: string }> {
  const stdout = new Capture();
  const stderr = new Capture();
  const io: ToolIO = { stdout, stderr, env: {}, signal: load.signal };
  const args = [String(QPS_THREADS), '--rate', String(QPS_RATE), '--json', '--base-port', String(a.agent.basePort)];
  return runTool('qps', args, io).then((code) => ({
    code,
    summary: JSON.parse(stdout.text.trim().split('\n').pop() ?? '{}') as QpsSummary,
    err: stderr.text,
  }));
}

describe('a Lars fleet on three Galera nodes', () => {
  it('loses no route change, no report and no get_host answer through kill -9 of a node, a DNS and a reporter', async () => {
    const c = new RouteChanger(cluster, CHANGER_NODE, ROUTES);
    changer = c;
    await c.start(CHANGE_INTERVAL_MS);
    // Both agents hold every route before the load: from here no get_host may answer NOEXIST.
    await untilRoutes(() => agentsHoldEveryChange(c), 'both agents to hold the first routes');
    for (const a of agents) a.base = a.agent.stats();

    const runs = agents.map(runQps);
    await until(
      async () =>
        agents.every((a) => a.log.results > 0) && (await readStatusRows(checkConn!, MODIDS)).size >= agents.length,
      'reports from both agents in ServerCallStatus',
      WAIT_MS,
    );
    await changesKeepArriving(c, 'under load');

    // 1. kill -9 of a MariaDB node: the daemons on it fail over to the others.
    await killNode(KILLED_NODE, options);
    await until(
      async () => {
        const s = await status();
        return s.every((n) => (n.node === KILLED_NODE ? n.state === 'down' : synced(n, 2)));
      },
      `the other nodes to notice node ${KILLED_NODE} is gone`,
      WAIT_MS,
    );
    await changesKeepArriving(c, `with node ${KILLED_NODE} down`);
    // The reporters (on node 1 first, as db_hosts lists it) keep writing: a snapshot taken after the kill is stored.
    const afterKill = Math.floor(Date.now() / 1000) + 1;
    await until(
      async () => [...(await readStatusRows(checkConn!, MODIDS)).values()].some((v) => v.ts >= afterKill),
      `ServerCallStatus written with node ${KILLED_NODE} down`,
      WAIT_MS,
    );

    // 2. kill -9 of the DNS agent 0 is on: it fails over to the other one.
    const deadDns = peer(dnsPorts[0]);
    expect(agents[0].agent.stats().dnsLinkUp[deadDns]).toBe(1);
    await killDaemon(dns[0]);
    await until(
      () => agents.every((a) => a.agent.stats().dnsLinkUp[peer(dnsPorts[1])] === 1),
      'both agents on the second DNS',
      WAIT_MS,
    );
    await changesKeepArriving(c, 'with a DNS down');

    // 3. kill -9 of a reporter that holds routes: their snapshots wait in the agents' queues.
    const victim = reporterPorts.findIndex((p) =>
      agents.some((a) => (a.agent.stats().reporterLinkConfirmed[peer(p)] ?? 0) > 0),
    );
    expect(victim).toBeGreaterThanOrEqual(0);
    const deadReporter = peer(reporterPorts[victim]);
    await killDaemon(reporters[victim]);
    await until(
      () =>
        agents.every((a) => a.agent.stats().reporterLinkUp[deadReporter] === 0) &&
        agents.some((a) => a.agent.stats().reporterLinkQueueFrames[deadReporter] > 0),
      'snapshots queued for the dead reporter',
      WAIT_MS,
    );
    await changesKeepArriving(c, 'with a reporter down');

    // Each comes back.
    await restartNode(KILLED_NODE, options);
    dns[0] = await startFleetDns(cluster, dnsPorts[0]);
    reporters[victim] = await startFleetReporter(cluster, reporterPorts[victim]);
    await until(
      () =>
        agents.every(
          (a) =>
            a.agent.stats().reporterLinkUp[deadReporter] === 1 &&
            a.agent.stats().reporterLinkQueueFrames[deadReporter] === 0,
        ),
      'both agents to deliver their queued snapshots to the restarted reporter',
      WAIT_MS,
    );
    await changesKeepArriving(c, 'with everything back');

    // Stop the changes; once both agents hold the last one and have reported
    // every host, stop the load and let everything drain.
    await c.stop();
    await untilRoutes(() => agentsHoldEveryChange(c), 'the last route change on both agents');
    const hostCount = ROUTES.reduce((n, key) => n + c.expected(key).length, 0);
    await until(() => lastSnapshots().size === hostCount * agents.length, 'both agents to report every host', WAIT_MS);
    load.abort();
    const results = await Promise.all(runs);
    expect(c.changes).toBeGreaterThan(ROUTES.length);
    for (const a of agents) {
      for (const key of ROUTES) expect(await agentHosts(a, key)).toEqual(c.expected(key));
    }

    // Every snapshot an agent sent is in ServerCallStatus, the last one of each host.
    // Waits for the agents to drain (nothing queued or unconfirmed); fails with the last difference seen.
    await vi.waitFor(
      async () => {
        for (const a of agents) {
          const s = a.agent.stats();
          expect({ queued: s.reportQueueFrames, unconfirmed: s.reporterLinkUnconfirmedFrames }).toEqual({
            queued: 0,
            unconfirmed: Object.fromEntries(Object.keys(s.reporterLinkUnconfirmedFrames).map((k) => [k, 0])),
          });
        }
        expect(sorted(await readStatusRows(checkConn!, MODIDS))).toEqual(sorted(lastSnapshots()));
      },
      { timeout: WAIT_MS, interval: 50 },
    );
    // Every host of every route was reported by both agents, and by no one else.
    expect(lastSnapshots().size).toBe(hostCount * agents.length);

    // The agents answered get_host throughout, by their own counters and the qps tool's.
    // Exact: every get_host the agent got was answered with a pick (none
    // SYSTEM_ERROR, none NOEXIST), and it got exactly one success report per
    // SUCC the tool counted. The tool drops the answers still in flight when
    // it stops (qps-worker.ts), so the agent's SUCC picks are at least, not
    // exactly, the tool's SUCC count.
    const tally: Record<string, number | string> = {
      routeChanges: c.changes,
      changeRetries: c.retries,
      statusRows: lastSnapshots().size,
    };
    for (const [i, a] of agents.entries()) {
      const { code, summary } = results[i];
      expect(code).toBe(0);
      expect(summary.errors).toBe(0);
      expect(summary.answers.noexist).toBe(0);
      expect(summary.loops).toBeGreaterThan(0);
      const delta = (s: AgentStats, k: keyof AgentStats) => (s[k] as number) - (a.base[k] as number);
      const counts = () => {
        const s = a.agent.stats();
        return {
          getHost: delta(s, 'getHostRequests'),
          picks: delta(s, 'picksSucc') + delta(s, 'picksOverload') + delta(s, 'picksNoexist'),
          noexist: delta(s, 'picksNoexist'),
          reports: delta(s, 'reportRequests'),
          reportsOk: delta(s, 'reportsOk'),
          wrongPort: s.wrongPort,
          handlerErrors: s.handlerErrors,
          reportsRefused: s.reportsRefused,
          reportsDropped: s.reportsDropped,
        };
      };
      const want = (c: ReturnType<typeof counts>) => ({
        getHost: c.picks,
        picks: c.picks,
        noexist: 0,
        reports: summary.answers.succ,
        reportsOk: summary.answers.succ,
        wrongPort: 0,
        handlerErrors: 0,
        reportsRefused: 0,
        reportsDropped: 0,
      });
      // Counters are published every statsIntervalMs: wait for the last ones (fails with the last difference).
      await vi.waitFor(
        () => {
          const now = counts();
          expect(now).toEqual(want(now));
        },
        { timeout: WAIT_MS, interval: 20 },
      );
      const c = counts();
      expect(delta(a.agent.stats(), 'picksSucc')).toBeGreaterThanOrEqual(summary.answers.succ);
      expect(a.agent.stats().reportsSent).toBe(a.log.snapshots);
      tally[`agent${i}`] = `${c.getHost} get_host, ${c.reports} reports, ${a.log.snapshots} snapshots sent`;
    }
    // The run's counts, for the record (the note quotes them).
    process.stdout.write(`galera fleet counts: ${JSON.stringify(tally)}\n`);

    // The killed node rejoined: the cluster ends Synced, all three.
    expect((await status()).map((n) => [n.node, n.size, n.state])).toEqual([
      [1, 3, 'Synced'],
      [2, 3, 'Synced'],
      [3, 3, 'Synced'],
    ]);
  }, 240_000);
});
