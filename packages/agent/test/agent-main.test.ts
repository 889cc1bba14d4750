// The agent as run_lars.sh runs it, from an ORIGINAL lars_lb_agent.conf
// (comments and all, unchanged; ports moved by environment overrides only).
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RetCode } from '@lars/proto';
import { DnsServer } from '@lars/dns';
import { createTestDatabase, type TestDatabase } from '../../../test-support/db.js';
import { startDaemonProcess } from '../../../test-support/daemon-process.js';
import { AGENT_TRANSPORTS, transportStat } from '../../../test-support/agent-transports.js';
import { freePort, freePortRange, REFUSED_PORT } from '../../../test-support/ports.js';
import { until } from '../../../test-support/wait.js';
import { AgentClient } from './agent-client.js';

// An original agent's config file, unchanged (every [loadbalance] value differs from the defaults).
const ORIGINAL_CONF = readFileSync(new URL('./fixtures/original-lars-lb-agent.conf', import.meta.url), 'utf8');

let db: TestDatabase;
let dns: DnsServer;
let dnsPort: number;
beforeAll(async () => {
  db = await createTestDatabase();
  await db.admin.query(
    "INSERT INTO RouteData (modid, cmdid, serverip, serverport) VALUES (3, 1, INET_ATON('10.3.3.3'), 3333)",
  );
  dnsPort = await freePort();
  dns = new DnsServer({
    port: dnsPort,
    checkIntervalMs: 100,
    mysql: { host: db.host, port: db.port, user: db.user, password: db.password, database: db.name },
  });
  await dns.start();
});
afterAll(async () => {
  await dns.close();
  await db.drop();
});

describe('agent main (run_lars.sh lbagent)', () => {
  it.each(AGENT_TRANSPORTS)(
    'runs from an original config file, serves get_host and /stats, and exits 0 on SIGTERM (%s transport)',
    async (transport) => {
      const basePort = await freePortRange(3);
      const statsPort = await freePort();
      const agent = startDaemonProcess('packages/agent/src/main.ts', ORIGINAL_CONF, {
        LARS_AGENT_TRANSPORT: transport,
        LARS_DNSSERVER_PORT: String(dnsPort),
        LARS_REPORTER_PORT: String(REFUSED_PORT), // nobody there: the agent must run anyway
        LARS_AGENT_BASE_PORT: String(basePort),
        LARS_STATS_PORT: String(statsPort),
      });
      const client = await AgentClient.open(basePort);
      try {
        await agent.waitForOutput('agent serving', 'stats endpoint listening');
        expect(agent.output()).toContain(`"transport":"${transport}"`);
        await until(async () => (await client.getHost(3, 1)).ret === RetCode.SUCC, 'a host for 3/1');
        expect((await client.getHost(3, 1)).host).toBe('10.3.3.3:3333');
        const stats = (await (await fetch(`http://127.0.0.1:${statsPort}/stats`)).json()) as Record<string, unknown>;
        expect(stats).toMatchObject({
          dnsConnected: true,
          reportersConnected: 0,
          workersAlive: 0,
          workerThreads: 0,
          transport: transportStat(transport),
        });
        // Port counters reach /metrics when the ports next publish them (every statsIntervalMs).
        const metrics = async () => (await fetch(`http://127.0.0.1:${statsPort}/metrics`)).text();
        await until(
          async () => /^lars_agent_picks_succ_total\{worker="1"\} [1-9]/m.test(await metrics()),
          'picks on /metrics',
        );
        // Process and Node.js metrics, but no per-GC histogram (its observer fills a busy agent's old generation).
        const text = await metrics();
        expect(text).toContain('# TYPE process_resident_memory_bytes gauge');
        expect(text).not.toContain('nodejs_gc_duration_seconds');
        // The ports served (on the main thread by default) and a DNS link up: ready, though no reporter is there.
        expect((await fetch(`http://127.0.0.1:${statsPort}/readyz`)).status).toBe(200);
        expect(await agent.stop('SIGTERM')).toBe(0);
      } finally {
        await client.close();
        await agent.stop('SIGKILL');
      }
    },
  );

  it('fails to start with a clear message when a UDP port is taken', async () => {
    const basePort = await freePortRange(3);
    const { createSocket } = await import('node:dgram');
    const holder = createSocket('udp4');
    await new Promise<void>((r) => holder.bind(basePort + 1, '127.0.0.1', () => r()));
    try {
      const agent = startDaemonProcess('packages/agent/src/main.ts', ORIGINAL_CONF, {
        LARS_AGENT_BASE_PORT: String(basePort),
        LARS_STATS_PORT: '0',
      });
      expect(await agent.exited()).toBe(1);
      expect(agent.output()).toContain('EADDRINUSE');
      expect(agent.output()).toContain(String(basePort + 1));
    } finally {
      holder.close();
    }
  });
});
