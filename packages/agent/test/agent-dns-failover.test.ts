// Issue 11 item 4: a frozen DNS. Two real DNS processes in the agent's
// address list; the first is SIGSTOPped while the agent is connected to it.
// Its kernel keeps the socket up, so only the pull deadline (pullTimeoutMs)
// can tell: the agent must drop the link, move to the second DNS,
// re-subscribe there, and answer a new key from it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ipToInt, RetCode } from '@lars/proto';
import { changeRoutes } from '@lars/store';
import { Agent } from '../src/index.js';
import { createTestDatabase, type TestDatabase } from '../../../test-support/db.js';
import { mysqlSection, startDaemonProcess, type DaemonProcess } from '../../../test-support/daemon-process.js';
import { freePort, freePortRange } from '../../../test-support/ports.js';
import { until } from '../../../test-support/wait.js';
import { AgentClient } from './agent-client.js';

const PULL_TIMEOUT_MS = 300;

let db: TestDatabase;
const dns: Array<{ proc: DaemonProcess; port: number; peer: string }> = [];
let agent: Agent;
let client: AgentClient;
let frozen = false;

async function startDns(): Promise<{ proc: DaemonProcess; port: number; peer: string }> {
  const [port, statsPort] = [await freePort(), await freePort()];
  const proc = startDaemonProcess(
    'packages/dns/src/main.ts',
    `[reactor]\nip = 127.0.0.1\nport = ${port}\n${mysqlSection(db)}[dns]\ncheck_interval = 0.1\n[stats]\nport = ${statsPort}\n`,
  );
  await proc.waitForOutput('DNS serving');
  return { proc, port, peer: `127.0.0.1:${port}` };
}

beforeAll(async () => {
  db = await createTestDatabase();
  await db.admin.query(
    `INSERT INTO RouteData (modid, cmdid, serverip, serverport) VALUES
       (1, 1, INET_ATON('10.1.1.1'), 1111), (2, 2, INET_ATON('10.2.2.2'), 2222)`,
  );
  dns.push(...(await Promise.all([startDns(), startDns()])));
  const basePort = await freePortRange(3);
  agent = new Agent({
    basePort,
    dns: dns.map((d) => ({ host: '127.0.0.1', port: d.port })),
    // No reporter: the agent keeps trying it, which this test does not look at.
    reporters: [{ host: '127.0.0.1', port: await freePort() }],
    caller: '127.0.0.1',
    pullTimeoutMs: PULL_TIMEOUT_MS,
    backoff: { initialMs: 20, maxMs: 200 },
    loadBalance: { updateTimeoutMs: 3_600_000 },
    statsIntervalMs: 20,
    defaultMetrics: false,
  });
  await agent.start();
  client = await AgentClient.open(basePort);
}, 60_000);

afterAll(async () => {
  await client?.close();
  await agent?.close();
  // A stopped process cannot act on SIGTERM: let it run again first.
  if (frozen) dns[0].proc.child.kill('SIGCONT');
  await Promise.all(dns.map((d) => d.proc.stop('SIGTERM')));
  await db?.drop();
});

const stats = () => agent.stats() as Record<string, unknown>;

describe('agent with a frozen DNS (SIGSTOP)', () => {
  it('notices the unanswered pull, fails over to the second DNS, re-subscribes and answers a new key from it', async () => {
    const [a, b] = dns;
    await client.getHost(1, 1);
    await until(async () => (await client.getHost(1, 1)).ret === RetCode.SUCC, 'a route through the first DNS');
    expect(stats()).toMatchObject({ dnsLinkUp: { [a.peer]: 1, [b.peer]: 0 } });

    process.kill(dns[0].proc.child.pid!, 'SIGSTOP');
    frozen = true;
    let asked = 0;
    let answered = 0;
    try {
      await until(async () => {
        asked++;
        const r = await client.getHost(2, 2);
        if (r.ret === RetCode.SUCC) answered++;
        return r.ret === RetCode.SUCC;
      }, 'a new key answered through the second DNS');
    } catch (err) {
      throw new Error(`${(err as Error).message}: ${answered} of ${asked} get_host answered SUCC`);
    }
    expect((await client.getHost(2, 2)).host).toBe('10.2.2.2:2222');
    expect(stats()).toMatchObject({
      dnsFailovers: 1,
      dnsLinkConnects: { [a.peer]: 1, [b.peer]: 1 },
      dnsLinkUp: { [a.peer]: 0, [b.peer]: 1 },
      dnsConnected: true,
    });
    // The route held from the first DNS kept answering, and is subscribed at the second: a change is pushed.
    expect((await client.getHost(1, 1)).host).toBe('10.1.1.1:1111');
    const conn = await db.admin.getConnection();
    try {
      await changeRoutes(conn, [
        { op: 'add', modid: 1, cmdid: 1, ip: ipToInt('10.1.1.9'), port: 1119 },
        { op: 'del', modid: 1, cmdid: 1, ip: ipToInt('10.1.1.1'), port: 1111 },
      ]);
    } finally {
      conn.release();
    }
    await until(
      async () => (await client.getHost(1, 1)).host === '10.1.1.9:1119',
      'the change pushed by the second DNS',
    );
    expect(stats()).toMatchObject({ dnsFailovers: 1, pullsUnanswered: 0 });
  });
});
