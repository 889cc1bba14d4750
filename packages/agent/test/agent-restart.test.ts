// The agent across its peers' restarts: it reconnects, re-subscribes, and
// pushes and reports flow again.
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RetCode } from '@lars/proto';
import { until } from '../../../test-support/wait.js';
import { AgentSystem } from './agent-system.js';

const sys = new AgentSystem();
beforeAll(() => sys.start({ loadBalance: { updateTimeoutMs: 3_600_000, reportIntervalMs: 100 } }));
afterAll(() => sys.stop());

const stats = () => sys.agent.stats() as Record<string, number | boolean>;

describe('agent across DNS and reporter restarts', () => {
  it('reconnects to a restarted DNS, re-subscribes, and gets a change made after the restart by push', async () => {
    await sys.addHosts(1, 1, '10.1.0.1:1');
    await sys.client.getHost(1, 1);
    await until(async () => (await sys.client.getHost(1, 1)).ret === RetCode.SUCC, 'the route');

    await sys.dns.close();
    await until(() => stats().dnsConnected === false, 'the agent to see the DNS go');
    // The agent keeps answering from what it holds.
    expect((await sys.client.getHost(1, 1)).host).toBe('10.1.0.1:1');
    const connects = stats().dnsConnects as number;
    await sys.startDns();
    await until(
      () => (stats().dnsConnects as number) > connects && (sys.dns.stats().subscribedKeys as number) >= 1,
      're-subscription',
    );

    await sys.addHosts(1, 1, '10.1.0.2:2');
    await until(async () => (await sys.client.getRoute(1, 1)).length === 2, 'the change pushed after the restart');
  });

  it('resumes report snapshots after the reporter restarts', async () => {
    await sys.addHosts(2, 2, '10.2.0.1:1');
    await sys.client.getHost(2, 2);
    await until(async () => (await sys.client.getHost(2, 2)).ret === RetCode.SUCC, 'the route');
    const count = async (): Promise<number> => {
      const [rows] = await sys.db.admin.query<RowDataPacket[]>(
        "SELECT succ_cnt FROM ServerCallStatus WHERE modid = 2 AND ip = INET_ATON('10.2.0.1')",
      );
      return rows.length === 0 ? -1 : rows[0].succ_cnt;
    };
    sys.client.report(2, 2, '10.2.0.1:1', 0);
    await until(async () => (await count()) === 1, 'the first snapshot');

    await sys.reporter.close();
    await until(() => stats().reportersConnected === 0, 'the agent to see the reporter go');
    sys.client.report(2, 2, '10.2.0.1:1', 0);
    await until(() => (stats().reportQueueFrames as number) > 0, 'a snapshot kept while the reporter is down');
    await sys.startReporter();
    await until(async () => (await count()) === 2, 'snapshots written again after the restart');
    sys.client.report(2, 2, '10.2.0.1:1', 0);
    await until(async () => (await count()) === 3, 'a new snapshot after the restart');
  });
});
