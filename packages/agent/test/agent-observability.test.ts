import { RetCode } from '@lars/proto';
import { SharedHistogram } from '@lars/reactor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent } from '../src/agent.js';
import { WORKER_COUNTERS } from '../src/agent-counters.js';
import { freePortRange, REFUSED_PORT } from '../../../test-support/ports.js';
import { until } from '../../../test-support/wait.js';
import { AgentClient } from './agent-client.js';

// An agent whose DNS and reporter are not there: it answers NOEXIST from its workers,
// which is all these tests need to see counters and service times reach the main thread.
let agent: Agent;
let client: AgentClient;
beforeAll(async () => {
  const nobody = { host: '127.0.0.1', port: REFUSED_PORT };
  agent = new Agent({
    basePort: await freePortRange(3),
    dns: [nobody],
    reporters: [nobody],
    caller: '127.0.0.1',
    statsIntervalMs: 20,
    getHostLatencySampleEvery: 1,
  });
  await agent.start();
  client = await AgentClient.open(agent.basePort);
});
afterAll(async () => {
  await client?.close();
  await agent?.close();
});

describe('agent observability', () => {
  it('returns every worker counter of the list, in total and per worker', async () => {
    // Keys (m, 0) for m = 0, 1, 2 land on workers 0, 1, 2.
    for (const modid of [0, 1, 2, 1]) expect((await client.getHost(modid, 0)).ret).toBe(RetCode.NOEXIST);
    await until(() => agent.stats().getHostRequests === 4, 'the workers to publish');
    const stats = agent.stats();
    for (const c of WORKER_COUNTERS) expect(stats, c.name).toHaveProperty('statsKey' in c ? c.statsKey : c.name);
    expect(stats).toMatchObject({ picksNoexist: 4, pulls: 3, routes: 3, handlerErrors: 0, sendErrors: 0 });
    expect(agent.workerStats().map((w) => w.getHost)).toEqual([1, 2, 1]);
    expect(agent.workerStats()[1]).toMatchObject({ datagramsIn: 2, framesOut: 2, picksNoexist: 2 });
  });

  it('returns the get_host service times of each worker as histogram snapshots', async () => {
    const before = agent.getHostLatency().count;
    for (let i = 0; i < 3; i++) await client.getHost(2, 0);
    // A worker records right after handing the reply to its socket: the reply can arrive first.
    await until(() => agent.getHostLatency().count - before === 3, 'three more service times');
    const s = agent.getHostLatency();
    expect(s.bounds).toEqual([...SharedHistogram.BOUNDS_SECONDS]);
    expect(s.rows).toHaveLength(3);
    expect(s.rows[2].count).toBeGreaterThanOrEqual(3);
    expect(s.sum).toBeGreaterThan(0);
    expect(s.counts.reduce((a, b) => a + b, 0)).toBe(s.count);
  });

  it('refuses a bad sampling option by name', () => {
    expect(() => new Agent({ getHostLatencySampleEvery: 0 })).toThrow(/getHostLatencySampleEvery/);
  });
});
