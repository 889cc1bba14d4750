// Issue 11 items 7 and 8 through a real DnsServer (in-process, real MariaDB):
// idle sockets from one address no longer lock other agents out, a slow
// writer is cut after frameTimeoutMs, a silent agent is never cut, and the
// allow list refuses at accept.
import { describe, expect, it, vi } from 'vitest';
import { MessageId } from '@lars/proto';
import { MAX_BODY_BYTES } from '@lars/wire';
import { DnsServer, type DnsServerOptions } from '../src/index.js';
import { guardBed } from '../../../test-support/guard-bed.js';

const bed = guardBed<DnsServer>();

async function startDns(options: DnsServerOptions = {}): Promise<{ dns: DnsServer; port: number }> {
  const dns = bed.server(
    new DnsServer({
      port: 0,
      checkIntervalMs: 100,
      reloadIntervalMs: 60_000,
      defaultMetrics: false,
      mysql: bed.mysql(),
      ...options,
    }),
  );
  const { port } = await dns.start();
  await vi.waitFor(() => expect(dns.routeVersion).not.toBeNull(), { timeout: 10_000 });
  return { dns, port };
}

const IDLE = 1100;
const AGENTS = 10;

describe('DnsServer connection guards', () => {
  it('serves agents from another address while 1,100 idle sockets come from 127.0.0.1', async () => {
    const { dns, port } = await startDns();
    await bed.idleSockets(port, '127.0.0.1', IDLE);
    // Every idle socket has been accepted or refused by the server.
    await vi.waitFor(() => {
      const s = dns.stats();
      expect((s.accepted as number) + (s.refused as number) + (s.perIpRefused as number)).toBe(IDLE);
    });
    let failed = 0;
    for (let i = 0; i < AGENTS; i++) {
      const agent = await bed.peer(port, '127.0.0.2');
      if (!(await agent.served(1000 + i))) failed++;
    }
    expect(failed).toBe(0);
    // max_conn_per_ip (256 by default) held 127.0.0.1 to a quarter of maxConn (1024).
    expect(dns.stats()).toMatchObject({ accepted: 256 + AGENTS, perIpRefused: IDLE - 256, refused: 0, displaced: 0 });
  });

  it('at maxConn, a new agent displaces a silent socket that never sent a frame', async () => {
    const { dns, port } = await startDns({ maxConn: 20, maxConnPerIp: 1000 });
    const agent = await bed.peer(port, '127.0.0.3');
    await agent.ask(1);
    await bed.idleSockets(port, '127.0.0.1', 19);
    await vi.waitFor(() => expect(dns.stats().accepted).toBe(20));
    const newcomer = await bed.peer(port, '127.0.0.2');
    await newcomer.ask(2);
    await agent.ask(3);
    expect(dns.stats()).toMatchObject({ displaced: 1, refused: 0, accepted: 21 });
  });

  it('cuts a slow writer after frameTimeoutMs and keeps agents silent for longer', async () => {
    const { dns, port } = await startDns({ frameTimeoutMs: 200 });
    const agent = await bed.peer(port, '127.0.0.2');
    await agent.ask(1);
    // An agent that opened its link and has sent nothing yet.
    const linkOnly = await bed.peer(port, '127.0.0.3');
    const slow = await bed.peer(port, '127.0.0.4');
    // A header announcing the largest body, then one body byte per tick, never the last one.
    const header = Buffer.alloc(8);
    header.writeInt32LE(MessageId.GetRouteRequest, 0);
    header.writeInt32LE(MAX_BODY_BYTES, 4);
    await slow.write(header);
    const byte = Buffer.from([0]);
    for (let sent = 0; sent < MAX_BODY_BYTES - 1; sent++) {
      if (!(await slow.writeWhileOpen(byte))) break;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    await slow.closed;
    // Cut by the frame timeout, so the agents have now been silent for longer
    // than frameTimeoutMs; connIdleTimeoutMs is off, so silence alone cuts nothing.
    await agent.ask(2);
    await linkOnly.ask(3);
    await vi.waitFor(() => expect(dns.stats().connections).toBe(2));
    expect(dns.stats()).toMatchObject({ frameTimeouts: 1, idleClosed: 0, framesIn: 3 });
  });

  it('refuses a peer outside [reactor] allow at accept, counted on /metrics', async () => {
    const { dns, port } = await startDns({ allow: ['10.0.0.0/8'] });
    const outsider = await bed.peer(port, '127.0.0.1');
    await outsider.closed;
    await vi.waitFor(() => expect(dns.stats().notAllowed).toBe(1));
    expect(dns.stats()).toMatchObject({ accepted: 0, connections: 0 });
    expect(await dns.metrics.metrics()).toMatch(/^lars_dns_connections_not_allowed_total 1$/m);
  });
});
