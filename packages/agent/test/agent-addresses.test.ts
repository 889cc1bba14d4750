// [dnsserver] and [reporter] address lists: DNS failover, and routes spread
// over several reporters with one writer per route.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RetCode } from '@lars/proto';
import { ReporterServer } from '@lars/reporter';
import { freePort } from '../../../test-support/ports.js';
import { until } from '../../../test-support/wait.js';
import { AgentSystem } from './agent-system.js';

const sys = new AgentSystem();
let second: ReporterServer;
let secondPort: number;
beforeAll(async () => {
  const deadDns = await freePort();
  secondPort = await freePort();
  // The agent options are resolved when start() runs, after the system has its ports.
  await sys.start({
    loadBalance: { updateTimeoutMs: 3_600_000, reportIntervalMs: 100 },
    get dns() {
      return [
        { host: '127.0.0.1', port: deadDns },
        { host: '127.0.0.1', port: sys.dnsPort },
      ];
    },
    get reporters() {
      return [
        { host: '127.0.0.1', port: sys.reporterPort },
        { host: '127.0.0.1', port: secondPort },
      ];
    },
  });
  second = new ReporterServer({
    port: secondPort,
    writers: 1,
    mysql: {
      host: sys.db.host,
      port: sys.db.port,
      user: sys.db.user,
      password: sys.db.password,
      database: sys.db.name,
    },
  });
  await second.start();
});
afterAll(async () => {
  await second?.close();
  await sys.stop();
});

describe('agent address lists', () => {
  it('fails over to the next DNS address when the first is down', async () => {
    await sys.addHosts(5, 5, '10.5.5.5:5');
    await sys.client.getHost(5, 5);
    await until(async () => (await sys.client.getHost(5, 5)).ret === RetCode.SUCC, 'a route through the second DNS');
    expect(sys.agent.stats().dnsConnected).toBe(true);
  });

  it('spreads routes over the reporters, each snapshot to exactly one of them', async () => {
    const keys = Array.from({ length: 30 }, (_, i) => 100 + i);
    for (const modid of keys) await sys.addHosts(modid, 1, '10.9.9.9:9');
    for (const modid of keys) await sys.client.getHost(modid, 1);
    await until(async () => {
      for (const modid of keys) if ((await sys.client.getHost(modid, 1)).ret !== RetCode.SUCC) return false;
      return true;
    }, 'every route');
    for (let round = 0; round < 3; round++) {
      for (const modid of keys) sys.client.report(modid, 1, '10.9.9.9:9', 0);
      await new Promise((r) => setTimeout(r, 150));
    }
    const requests = () => [sys.reporter.stats().requests as number, second.stats().requests as number];
    await until(() => requests()[0] + requests()[1] >= keys.length, 'snapshots at the reporters');
    const sent = () => sys.agent.stats().reportsSent as number;
    await until(() => requests()[0] + requests()[1] === sent(), 'every snapshot delivered');
    const [a, b] = requests();
    expect(a).toBeGreaterThan(0);
    expect(b).toBeGreaterThan(0);
    // Every route's row exists, whichever reporter wrote it.
    await until(async () => {
      const [r] = (await sys.db.admin.query(
        'SELECT COUNT(*) AS n FROM ServerCallStatus WHERE cmdid = 1 AND modid BETWEEN 100 AND 129',
      )) as unknown as [Array<{ n: number }>];
      return r[0].n === keys.length;
    }, 'a row per route');
  });
});
