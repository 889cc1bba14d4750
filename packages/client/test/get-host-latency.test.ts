// The SDK's get_host latency: stats().getHostLatency and the onGetHost hook
// see every completed getHost exactly once, whatever its outcome.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ipToInt, RetCode } from '@lars/proto';
import { ErrorCode, silentWireLogger } from '@lars/wire';
import type { WireLogger } from '@lars/wire';
import { LarsClient } from '../src/index.js';
import type { GetHostResult, LarsClientOptions } from '../src/index.js';
import { GetHostLatency } from '../src/get-host-latency.js';
import { until } from '../../../test-support/wait.js';
import { FakeAgent } from './fake-agent.js';

const IP_177 = ipToInt('192.168.1.177');
/** modid 1: SUCC; 2: OVERLOAD; 3: NOEXIST twice then SUCC (the first call's route wait); 9: never answered. */
const SILENT_MODID = 9;

let agent: FakeAgent;
const clients: LarsClient[] = [];

function client(options: LarsClientOptions = {}): LarsClient {
  const c = new LarsClient({ basePort: agent.basePort, routeWaitIntervalMs: 1, ...options });
  clients.push(c);
  return c;
}

beforeEach(async () => {
  agent = await FakeAgent.start();
  let noexist = 0;
  agent.onGetHost = (req, a) => {
    const { seq, modid, cmdid } = req.message;
    if (modid === 1 || (modid === 3 && ++noexist > 2)) {
      a.replyHost(req, { seq, modid, cmdid, retcode: RetCode.SUCC, host: { ip: IP_177, port: 9000 + modid } });
    } else if (modid === 2) {
      a.replyHost(req, { seq, modid, cmdid, retcode: RetCode.OVERLOAD });
    } else if (modid === 3) {
      a.replyHost(req, { seq, modid, cmdid, retcode: RetCode.NOEXIST });
    }
  };
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await agent.close();
});

describe('LarsClient get_host latency', () => {
  it('counts each completed getHost once, in stats() and in the hook, with its outcome', async () => {
    const seen: [number, RetCode][] = [];
    const c = client({ timeoutMs: 20, retries: 0, onGetHost: (seconds, ret) => seen.push([seconds, ret]) });
    expect(c.stats().getHostLatency).toEqual({ count: 0, sum: 0, p50: 0, p90: 0, p99: 0, max: 0 });

    const results: GetHostResult[] = [];
    results.push(await c.getHost(3, 1)); // three requests on the wire, one call
    for (let i = 0; i < 5; i++) results.push(await c.getHost(1, 1));
    results.push(...(await Promise.all([c.getHost(2, 1), c.getHost(2, 1), c.getHost(1, 1)])));
    results.push(await c.getHost(SILENT_MODID, 1)); // times out
    const called = await c.call(1, 1, async () => 'ok');
    expect(called.ret).toBe(RetCode.SUCC);

    expect(agent.hostRequests.length).toBe(13);
    const rets = [...results.map((r) => r.ret), RetCode.SUCC];
    expect(rets).toEqual([
      ...Array(6).fill(RetCode.SUCC),
      RetCode.OVERLOAD,
      RetCode.OVERLOAD,
      RetCode.SUCC,
      RetCode.SYSTEM_ERROR,
      RetCode.SUCC,
    ]);
    expect(seen.map(([, ret]) => ret).sort()).toEqual([...rets].sort());

    const latency = c.stats().getHostLatency;
    expect(latency.count).toBe(rets.length);
    expect(latency.sum).toBeCloseTo(
      seen.reduce((sum, [s]) => sum + s, 0),
      9,
    );
    for (const [seconds] of seen) expect(seconds).toBeGreaterThan(0);
    expect(latency.p50).toBeGreaterThan(0);
    expect(latency.p50).toBeLessThanOrEqual(latency.p90);
    expect(latency.p90).toBeLessThanOrEqual(latency.p99);
    expect(latency.p99).toBeLessThanOrEqual(latency.max);
    // The timed-out call is the slowest: it waited out timeoutMs (to the histogram's 1%).
    expect(latency.max).toBeGreaterThanOrEqual(0.02 * 0.99);
  });

  it('counts the calls pending at close()', async () => {
    const seen: RetCode[] = [];
    const c = client({ timeoutMs: 60_000, onGetHost: (_s, ret) => seen.push(ret) });
    expect((await c.getHost(1, 1)).ret).toBe(RetCode.SUCC);
    const pending = [c.getHost(SILENT_MODID, 1), c.getHost(1, 1), c.getHost(SILENT_MODID, 2)];
    await until(() => c.stats().inFlight === 2 && seen.length === 2, 'two requests in flight, one answered');
    await c.close();
    expect((await Promise.all(pending)).map((r) => r.ret)).toEqual([
      RetCode.SYSTEM_ERROR,
      RetCode.SUCC,
      RetCode.SYSTEM_ERROR,
    ]);
    expect(seen).toEqual([RetCode.SUCC, RetCode.SUCC, RetCode.SYSTEM_ERROR, RetCode.SYSTEM_ERROR]);
    expect(c.stats().getHostLatency.count).toBe(4);
  });

  it('logs a hook that throws and leaves the call and the count alone', async () => {
    const warnings: string[] = [];
    const logger: WireLogger = { ...silentWireLogger(), warn: (_o, msg) => void warnings.push(msg ?? '') };
    logger.child = () => logger;
    const c = client({
      logger,
      onGetHost: () => {
        throw new Error('registry full');
      },
    });
    expect((await c.getHost(1, 1)).ret).toBe(RetCode.SUCC);
    expect((await c.getHost(1, 1)).ret).toBe(RetCode.SUCC);
    expect(c.stats().getHostLatency.count).toBe(2);
    expect(warnings).toEqual([
      'the onGetHost hook threw; the call is unaffected',
      'the onGetHost hook threw; the call is unaffected',
    ]);
  });

  it('refuses an onGetHost that is not a function', () => {
    expect(() => client({ onGetHost: 'prometheus' as never })).toThrow(
      expect.objectContaining({ code: ErrorCode.BAD_OPTION, message: expect.stringContaining('onGetHost') }),
    );
  });
});

describe('GetHostLatency', () => {
  it('reads p50, p90, p99 and max back in seconds to two significant figures, and the exact sum', () => {
    let now = 0;
    const hook: number[] = [];
    const latency = new GetHostLatency(
      (s) => hook.push(s),
      silentWireLogger(),
      () => now,
    );
    // 1..100 ms, one each.
    for (let ms = 1; ms <= 100; ms++) {
      now = 1000 + ms;
      latency.record(1000, RetCode.SUCC);
    }
    const s = latency.snapshot();
    expect(s.count).toBe(100);
    expect(s.sum).toBeCloseTo(5.05, 9);
    expect(hook).toHaveLength(100);
    for (const [got, want] of [
      [s.p50, 0.05],
      [s.p90, 0.09],
      [s.p99, 0.099],
      [s.max, 0.1],
    ]) {
      expect(Math.abs(got - want) / want).toBeLessThan(0.01);
    }
  });

  it('counts a sample outside 1 µs .. 1 h at the nearest end', () => {
    let now = 0;
    const latency = new GetHostLatency(undefined, silentWireLogger(), () => now);
    latency.record(0, RetCode.SUCC);
    now = 5 * 3600e3;
    latency.record(0, RetCode.SYSTEM_ERROR);
    const s = latency.snapshot();
    expect(s.count).toBe(2);
    expect(s.p50).toBeCloseTo(1e-6, 9);
    expect(Math.abs(s.max - 3600) / 3600).toBeLessThan(0.01);
    expect(s.sum).toBe(5 * 3600);
  });
});
