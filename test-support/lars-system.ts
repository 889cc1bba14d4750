// A whole Lars in one test file: a fresh database, the real DNS and
// reporter, and an agent on three free consecutive UDP ports, all in the
// test's process. Used by the agent's, the SDK's and the tools' tests.
import type { PoolConnection } from 'mysql2/promise';
import { ipToInt } from '@lars/proto';
import { DnsServer } from '@lars/dns';
import { changeRoutes, type RouteEdit } from '@lars/store';
import { ReporterServer } from '@lars/reporter';
import { Agent, type AgentOptions } from '@lars/agent';
import { createTestDatabase, type TestDatabase } from './db.js';
import { freePort, freePortRange } from './ports.js';

export class LarsSystem {
  db!: TestDatabase;
  admin!: PoolConnection;
  dns!: DnsServer;
  reporter!: ReporterServer;
  agent!: Agent;
  dnsPort = 0;
  reporterPort = 0;
  basePort = 0;

  async start(agentOptions: AgentOptions = {}): Promise<void> {
    this.db = await createTestDatabase();
    this.admin = await this.db.admin.getConnection();
    this.dnsPort = await freePort();
    this.reporterPort = await freePort();
    this.basePort = await freePortRange(3);
    await this.startDns();
    await this.startReporter();
    this.agent = new Agent({
      basePort: this.basePort,
      dns: [{ host: '127.0.0.1', port: this.dnsPort }],
      reporters: [{ host: '127.0.0.1', port: this.reporterPort }],
      caller: '127.0.0.1',
      backoff: { initialMs: 20, maxMs: 200 },
      statsIntervalMs: 20,
      ...agentOptions,
    });
    await this.agent.start();
  }

  private get mysql() {
    return {
      host: this.db.host,
      port: this.db.port,
      user: this.db.user,
      password: this.db.password,
      database: this.db.name,
    };
  }

  async startDns(): Promise<void> {
    this.dns = new DnsServer({ port: this.dnsPort, checkIntervalMs: 100, reloadIntervalMs: 60_000, mysql: this.mysql });
    await this.dns.start();
  }

  async startReporter(): Promise<void> {
    this.reporter = new ReporterServer({ port: this.reporterPort, writers: 2, mysql: this.mysql });
    await this.reporter.start();
  }

  async addHosts(modid: number, cmdid: number, ...hosts: string[]): Promise<void> {
    const edits: RouteEdit[] = hosts.map((h) => {
      const [ip, port] = h.split(':');
      return { op: 'add', modid, cmdid, ip: ipToInt(ip), port: Number(port) };
    });
    await changeRoutes(this.admin, edits);
  }

  async stop(): Promise<void> {
    await this.agent?.close();
    await this.reporter?.close();
    await this.dns?.close();
    this.admin?.release();
    await this.db?.drop();
  }
}
