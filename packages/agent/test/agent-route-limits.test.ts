// Issue 11 item 5, through the real agent, DNS and MySQL: a flood of
// distinct keys holds at most maxRoutes routes (the rest answered NOEXIST
// with no state, counted), and pulls are paced and never lost: pulls asked
// while the DNS is down are all made once it is back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ipToInt, RetCode } from '@lars/proto';
import { changeRoutes } from '@lars/store';
import { ErrorCode } from '@lars/wire';
import { Agent } from '../src/index.js';
import { until } from '../../../test-support/wait.js';
import { AgentSystem } from './agent-system.js';

/** Adds host 10.0.0.1:<modid> to (modid, 1) for every modid in one change. */
async function addRoutes(sys: AgentSystem, modids: readonly number[]): Promise<void> {
  await changeRoutes(
    sys.admin,
    modids.map((modid) => ({ op: 'add', modid, cmdid: 1, ip: ipToInt('10.0.0.1'), port: modid })),
  );
}

const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);

describe('agent maxRoutes', () => {
  const MAX = 200;
  const OVER = 300;
  const sys = new AgentSystem();
  beforeAll(() => sys.start({ maxRoutes: MAX, loadBalance: { updateTimeoutMs: 3_600_000 }, defaultMetrics: false }));
  afterAll(() => sys.stop());

  it('holds exactly maxRoutes routes under a flood of distinct keys; the rest answer NOEXIST with no state, counted', async () => {
    const keys = range(1, MAX + OVER);
    await addRoutes(sys, keys);
    const stats = () => sys.agent.stats();
    // Link up first, so each route is pulled exactly once (not refused, then pulled again on connect).
    await until(() => sys.dns.stats().tableRoutes === keys.length && stats().dnsConnected === true, 'the DNS');
    for (const modid of keys) expect((await sys.client.getHost(modid, 1)).ret).toBe(RetCode.NOEXIST);
    // A worker publishes its counters together: once its requests are all in, so are its routes.
    await until(() => stats().getHostRequests === keys.length, 'every get_host counted');
    expect(stats()).toMatchObject({ routes: MAX, routesOverLimit: OVER, picksNoexist: MAX + OVER, pulls: MAX });
    await until(() => stats().pullsSent === MAX, 'every pull sent');
    await until(() => sys.dns.stats().subscriptions === MAX, 'the subscriptions at the DNS');
    expect(sys.dns.stats()).toMatchObject({ requests: MAX, subscriptions: MAX });
    // A held route is served; a key past the limit still is not, and keeps nothing.
    await until(async () => (await sys.client.getHost(MAX, 1)).ret === RetCode.SUCC, 'a held route filled');
    expect((await sys.client.getHost(MAX + 1, 1)).ret).toBe(RetCode.NOEXIST);
    expect(await sys.client.getRoute(MAX + 2, 1)).toEqual([]);
    await until(() => stats().routesOverLimit === OVER + 2, 'the over-limit requests counted');
    expect(stats()).toMatchObject({ routes: MAX, pullsSent: MAX });
  });
});

describe('agent pulls while the DNS is down, then up', () => {
  const KEYS = 20;
  const sys = new AgentSystem();
  // 20 a second: the 20 re-pulls on reconnect take a second, long enough to see them wait.
  beforeAll(() =>
    sys.start({ pullRatePerSecond: 20, loadBalance: { updateTimeoutMs: 3_600_000 }, defaultMetrics: false }),
  );
  afterAll(() => sys.stop());

  it('makes every pull asked while the DNS was down once it is back, paced, each exactly once', async () => {
    const keys = range(1, KEYS);
    await addRoutes(sys, keys);
    const stats = () => sys.agent.stats();
    await until(() => stats().dnsConnected === true, 'the first DNS link');
    await sys.dns.close();
    await until(() => stats().dnsConnected === false, 'the agent to see the DNS go');

    for (const modid of keys) expect((await sys.client.getHost(modid, 1)).ret).toBe(RetCode.NOEXIST);
    await until(() => stats().pullsRefused === KEYS && stats().routes === KEYS, 'the pulls refused while down');
    expect(stats()).toMatchObject({ pullsSent: 0, pullsPending: 0 });

    await sys.startDns();
    await until(() => Number(stats().pullsPending) > 0, 'the re-pulls waiting for their turn');
    await until(async () => {
      for (const modid of keys) if ((await sys.client.getHost(modid, 1)).ret !== RetCode.SUCC) return false;
      return true;
    }, 'every key answered');
    expect(stats()).toMatchObject({ pullsSent: KEYS, pullsRefused: KEYS, pullsPending: 0, pullsUnanswered: 0 });
    expect(sys.dns.stats()).toMatchObject({ requests: KEYS, subscriptions: KEYS });
  });
});

describe('agent pull and route options', () => {
  it('rejects a bad pullTimeoutMs, pullRatePerSecond or maxRoutes, naming it, before any thread starts', () => {
    for (const [option, value] of [
      ['pullTimeoutMs', 0],
      ['pullTimeoutMs', 1.5],
      ['pullRatePerSecond', 0],
      ['maxRoutes', 0],
      ['maxRoutes', 2 ** 31],
    ] as const) {
      expect(() => new Agent({ [option]: value }), `${option} = ${value}`).toThrow(
        expect.objectContaining({ code: ErrorCode.BAD_OPTION, message: expect.stringContaining(option) }),
      );
    }
  });
});
