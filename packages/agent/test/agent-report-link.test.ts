// Issue 11 item 3: the agent's reporter link is at-least-once, ordered and
// bounded. Through the real agent and DNS (MariaDB), against a reporter
// stand-in that pauses (a SIGSTOPped reporter) or closes every new
// connection at once (one over its maxConn). Every snapshot the agent
// handed to the link either arrives or is counted as dropped.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { intToIp, ipToInt } from '@lars/proto';
import { Agent, type AgentOptions, type AgentStats } from '@lars/agent';
import { DnsServer } from '@lars/dns';
import { createTestDatabase, type TestDatabase } from '../../../test-support/db.js';
import { freePort, freePortRange } from '../../../test-support/ports.js';
import { until } from '../../../test-support/wait.js';
import { AgentClient } from './agent-client.js';
import { FakeReporter } from './fake-reporter.js';

interface Route {
  readonly modid: number;
  readonly cmdid: number;
  /** The host every report names: only successes, so each snapshot counts one call more than the last. */
  readonly host: string;
}

/** Routes of 3000 hosts: ~40 KB snapshots, so a few hundred fill the socket buffers. */
const BIG_HOSTS = 3000;
const BIG: Route[] = [71, 72, 73, 74].map((modid) => ({ modid, cmdid: 1, host: hostOf(modid, 0) }));
const SMALL: Route[] = [81, 82, 83].map((modid) => ({ modid, cmdid: 1, host: hostOf(modid, 0) }));
const MB = 1024 * 1024;

function hostOf(modid: number, i: number): string {
  return `${intToIp(((10 << 24) | (modid << 16)) + i + 1)}:8000`;
}

let db: TestDatabase;
let dns: DnsServer;
let dnsPort = 0;

beforeAll(async () => {
  db = await createTestDatabase();
  const rows: number[][] = [];
  for (const r of BIG) for (let i = 0; i < BIG_HOSTS; i++) rows.push(hostRow(r, i));
  for (const r of SMALL) for (let i = 0; i < 2; i++) rows.push(hostRow(r, i));
  await db.admin.query('INSERT INTO RouteData (modid, cmdid, serverip, serverport) VALUES ?', [rows]);
  await db.admin.query('UPDATE RouteVersion SET version = version + 1 WHERE id = 1');
  dnsPort = await freePort();
  dns = new DnsServer({
    port: dnsPort,
    checkIntervalMs: 100,
    reloadIntervalMs: 60_000,
    mysql: { host: db.host, port: db.port, user: db.user, password: db.password, database: db.name },
  });
  await dns.start();
});

afterAll(async () => {
  await dns?.close();
  await db?.drop();
});

function hostRow(r: Route, i: number): number[] {
  const [ip, port] = hostOf(r.modid, i).split(':');
  return [r.modid, r.cmdid, ipToInt(ip), Number(port)];
}

/** One agent reporting to `fake`, its UDP client, and the reports sent per route. */
class Rig {
  readonly calls = new Map<string, number>();
  readonly peer: string;

  private constructor(
    readonly agent: Agent,
    readonly client: AgentClient,
    readonly fake: FakeReporter,
    readonly routes: readonly Route[],
  ) {
    this.peer = `127.0.0.1:${fake.port}`;
  }

  static async start(routes: readonly Route[], hosts: number, options: AgentOptions): Promise<Rig> {
    const fake = await FakeReporter.start();
    const basePort = await freePortRange(3);
    const agent = new Agent({
      basePort,
      dns: [{ host: '127.0.0.1', port: dnsPort }],
      reporters: [{ host: '127.0.0.1', port: fake.port }],
      caller: '127.0.0.1',
      backoff: { initialMs: 20, maxMs: 200 },
      statsIntervalMs: 20,
      defaultMetrics: false,
      // Windows that never close: a route's snapshots differ by their call counts only.
      loadBalance: { reportIntervalMs: 10, idleTimeoutMs: 3_600_000, updateTimeoutMs: 3_600_000 },
      ...options,
    });
    await agent.start();
    const client = await AgentClient.open(basePort);
    const rig = new Rig(agent, client, fake, routes);
    for (const r of routes) {
      await client.getHost(r.modid, r.cmdid);
      await until(async () => (await client.getRoute(r.modid, r.cmdid)).length === hosts, `route ${r.modid}`);
    }
    return rig;
  }

  stats(): AgentStats {
    return this.agent.stats();
  }

  /**
   * One success report per route, then waits until the agent has handed a
   * snapshot of each to the reporter link (the worker's next tick).
   */
  async round(): Promise<void> {
    const target = (this.stats().reportsSent as number) + this.routes.length;
    for (const r of this.routes) {
      this.client.report(r.modid, r.cmdid, r.host, 0);
      const key = `${r.modid}:${r.cmdid}`;
      this.calls.set(key, (this.calls.get(key) ?? 0) + 1);
    }
    await vi.waitFor(() => expect(this.stats().reportsSent).toBeGreaterThanOrEqual(target), {
      timeout: 20_000,
      interval: 2,
    });
  }

  /** Waits until the reporter has the newest snapshot of every route (the link is ordered: all before it too). */
  async newestArrived(): Promise<void> {
    await until(
      () =>
        this.routes.every(
          (r) => this.fake.latest.get(`${r.modid}:${r.cmdid}`) === this.calls.get(`${r.modid}:${r.cmdid}`),
        ),
      'the newest snapshot of every route at the reporter',
    );
  }

  /** What the issue measures: snapshots handed to the link that neither arrived nor were counted as dropped. */
  lost(): { sent: number; received: number; dropped: number; lost: number } {
    const s = this.stats();
    const sent = s.reportsSent as number;
    const dropped = s.reportsDropped as number;
    const received = this.fake.distinct.size;
    return { sent, received, dropped, lost: sent - received - dropped };
  }

  link(): { overflow: number; resends: number; stalls: number; unconfirmed: number; connects: number } {
    const s = this.stats();
    return {
      overflow: s.reporterLinkOverflow[this.peer],
      resends: s.reporterLinkResends[this.peer],
      stalls: s.reporterLinkStalls[this.peer],
      unconfirmed: s.reporterLinkUnconfirmedFrames[this.peer],
      connects: s.reporterLinkConnects[this.peer],
    };
  }

  async stop(): Promise<void> {
    await this.client.close();
    await this.agent.close();
    await this.fake.close();
  }
}

describe('agent reporter link: at-least-once, ordered, bounded', () => {
  it('a paused reporter: backpressure lands in the bounded queue, and every snapshot not counted as dropped arrives', async () => {
    const rig = await Rig.start(BIG, BIG_HOSTS, {
      reportQueueBytes: 2 * MB,
      reportGraceMs: 200,
      // Longer than the pause: this test is about backpressure, the stall test about declaring a link dead.
      reporterStallTimeoutMs: 600_000,
    });
    try {
      await rig.round();
      await rig.newestArrived();
      const snapshotBytes = rig.fake.lastBodyBytes;
      expect(snapshotBytes).toBeGreaterThan(30_000);

      rig.fake.pauseNew = true;
      rig.fake.pauseAll();
      // 20 MB: more than the kernel's socket buffers (a few MB on loopback), the old 8 MB output limit and the queue.
      const rounds = Math.ceil((20 * MB) / (snapshotBytes * BIG.length));
      for (let i = 0; i < rounds; i++) await rig.round();
      rig.fake.resume();
      // Until the backlog is confirmed, unconfirmed bytes fill the bound and a new snapshot may push out an
      // older waiting one (counted as overflow): the last round goes out once the link holds nothing.
      await vi.waitFor(
        () => {
          const link = rig.link();
          expect([link.unconfirmed, rig.stats().reporterLinkQueueFrames[rig.peer]]).toEqual([0, 0]);
        },
        { timeout: 20_000, interval: 10 },
      );
      await rig.round();
      await rig.newestArrived();

      const figure = rig.lost();
      expect(figure.lost, JSON.stringify(figure)).toBe(0);
      const link = rig.link();
      // The pause overflowed the 2 MB queue: the oldest waiting snapshots were dropped, and only they.
      expect(link.overflow).toBeGreaterThan(0);
      expect(figure.dropped).toBe(link.overflow);
      // One connection all along, never destroyed: nothing resent, nothing received twice.
      expect({ connects: link.connects, resends: link.resends, stalls: link.stalls }).toEqual({
        connects: 1,
        resends: 0,
        stalls: 0,
      });
      expect(rig.fake.frames).toBe(rig.fake.distinct.size);
      expect(rig.stats().reportsRefused).toBe(0);
    } finally {
      await rig.stop();
    }
  });

  it('a reporter that closes every new connection at once: no snapshot is lost, the unconfirmed ones are resent', async () => {
    const rig = await Rig.start(SMALL, 2, { reportGraceMs: 300 });
    try {
      await rig.round();
      await rig.newestArrived();
      // Everything so far confirmed, so nothing below is a resend of what the reporter already read.
      await until(() => rig.link().unconfirmed === 0, 'the first snapshots confirmed');

      rig.fake.closeNew = true;
      rig.fake.dropAll();
      await until(() => rig.fake.closedAtOnce >= 1, 'the agent reconnecting into a full reporter');
      for (let i = 0; i < 10; i++) await rig.round();
      // Two more connections closed at once after the last snapshot: the queue went into each.
      const closed = rig.fake.closedAtOnce;
      await until(() => rig.fake.closedAtOnce >= closed + 2, 'two more connections closed at once');
      rig.fake.closeNew = false;
      await rig.round();
      await rig.newestArrived();

      const figure = rig.lost();
      expect(figure.lost, JSON.stringify(figure)).toBe(0);
      expect(figure.dropped).toBe(0);
      const link = rig.link();
      expect(link.resends).toBeGreaterThan(0);
      expect(link.overflow).toBe(0);
      // Connections closed unread deliver nothing, so each snapshot arrived exactly once.
      expect(rig.fake.frames).toBe(rig.fake.distinct.size);
      expect(figure.received).toBe(figure.sent);
    } finally {
      await rig.stop();
    }
  });

  it('a connection that stops draining is declared dead after reporterStallTimeoutMs, and the link reconnects and resends', async () => {
    const rig = await Rig.start(BIG, BIG_HOSTS, {
      // Room for all of it: this test counts resends, not overflow.
      reportQueueBytes: 64 * MB,
      reportGraceMs: 200,
      reporterStallTimeoutMs: 500,
    });
    try {
      await rig.round();
      await rig.newestArrived();
      // The first connection stops being read; the ones after it are read as usual.
      rig.fake.pauseAll();
      while (rig.link().stalls === 0) await rig.round();
      await until(() => rig.stats().reportersConnected === 1 && rig.link().connects === 2, 'the link reconnected');
      // The stalled reporter wakes up (SIGCONT): it reads what its first connection still holds.
      rig.fake.resume();
      await rig.round();
      await rig.newestArrived();
      await until(() => rig.fake.openConnections === 1, 'the first connection read to its end');

      const figure = rig.lost();
      expect(figure.lost, JSON.stringify(figure)).toBe(0);
      expect(figure.dropped).toBe(0);
      const link = rig.link();
      expect({ stalls: link.stalls, connects: link.connects, overflow: link.overflow }).toEqual({
        stalls: 1,
        connects: 2,
        overflow: 0,
      });
      // What the dead connection held unconfirmed went again on the new one; some of it had reached the reporter.
      expect(link.resends).toBeGreaterThan(0);
      expect(rig.fake.frames - rig.fake.distinct.size).toBeLessThanOrEqual(link.resends);
    } finally {
      await rig.stop();
    }
  });
});
