// [agent] threads and [agent] transport: however many worker threads serve
// the three ports (0: the main thread serves them), each port answers the
// keys it owns (protocol.md "The UDP ports rule") and counts them in its own
// row; and the transport resolves as documented, `native` without the addon
// being a start-up error.
import { RetCode } from '@lars/proto';
import { ErrorCode, LarsError } from '@lars/wire';
import { describe, expect, it } from 'vitest';
import { Agent, resolveTransport } from '../src/agent.js';
import { freePortRange, REFUSED_PORT } from '../../../test-support/ports.js';
import { AgentClient } from './agent-client.js';

const NOBODY = { host: '127.0.0.1', port: REFUSED_PORT };
/** One key per port: (modid + cmdid) % 3 = 0, 1, 2. */
const KEYS = [
  [3, 0],
  [4, 0],
  [5, 0],
] as const;

describe.each([0, 1, 2, 3])('an agent with %i worker thread(s)', (threads) => {
  it('answers every port from its owner, counts each in its own row, and reports one health check per thread', async () => {
    const agent = new Agent({
      threads,
      basePort: await freePortRange(3),
      dns: [NOBODY],
      reporters: [NOBODY],
      caller: '127.0.0.1',
      statsIntervalMs: 20,
    });
    await agent.start();
    const client = await AgentClient.open(agent.basePort);
    try {
      // No DNS: every key answers NOEXIST, from the core owning it (a wrong port would count wrongPort).
      for (const [modid, cmdid] of KEYS) expect((await client.getHost(modid, cmdid)).ret).toBe(RetCode.NOEXIST);
      await expect.poll(() => agent.workerStats().map((row) => row.getHost), { interval: 20 }).toEqual([1, 1, 1]);
      expect(agent.workerStats().map((row) => row.wrongPort)).toEqual([0, 0, 0]);
      const stats = agent.stats();
      expect(stats).toMatchObject({ workerThreads: threads, workersAlive: threads });
      expect(agent.health.ready().checks.workers.ok).toBe(true);
      const checks = Object.keys(agent.health.live().checks);
      expect(checks).toEqual(['main', ...Array.from({ length: threads }, (_, i) => `worker${i}`)]);
    } finally {
      await client.close();
      await agent.close();
    }
  });
});

describe('resolveTransport', () => {
  const missing = new LarsError(ErrorCode.NATIVE_UNAVAILABLE, '@lars/udp-native: addon not built');

  it('auto is native when the addon loads, else dgram with the reason', () => {
    expect(resolveTransport('auto', undefined)).toEqual({ kind: 'native' });
    expect(resolveTransport('auto', missing)).toEqual({ kind: 'dgram', fallback: missing.message });
  });

  it('native without the addon is the load error (a start-up error), dgram never needs it', () => {
    expect(() => resolveTransport('native', missing)).toThrow(missing);
    expect(resolveTransport('native', undefined)).toEqual({ kind: 'native' });
    expect(resolveTransport('dgram', missing)).toEqual({ kind: 'dgram' });
  });

  it('refuses an unknown transport by name', () => {
    expect(() => new Agent({ transport: 'fast' as 'auto' })).toThrow(/transport/);
  });
});
