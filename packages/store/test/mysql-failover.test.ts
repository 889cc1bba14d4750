// MysqlFailover on its own: which address a connect tries, in what order,
// and how long it pauses after a pass that failed everywhere. No sockets: the
// `open` callbacks are fakes, the clock and the sleep are driven by the test.
import { describe, expect, it } from 'vitest';
import {
  classifyMysqlError,
  MYSQL_FAILOVER_BACKOFF,
  type MysqlAddress,
  MysqlErrorClass,
  MysqlFailover,
  type MysqlFailoverEvent,
  type MysqlFailoverOptions,
} from '../src/index.js';

const A: MysqlAddress = { host: '10.0.0.1', port: 3306 };
const B: MysqlAddress = { host: '10.0.0.2', port: 3306 };
const C: MysqlAddress = { host: '10.0.0.3', port: 3307 };

function refused(a: MysqlAddress): Error {
  return Object.assign(new Error(`connect ECONNREFUSED ${a.host}:${a.port}`), { code: 'ECONNREFUSED', errno: -111 });
}

/** A failover on a fake clock that only `sleep` advances; records every sleep and failover event. */
function fakeFailover(addresses: readonly MysqlAddress[], options: MysqlFailoverOptions = {}) {
  let clock = 0;
  const sleeps: number[] = [];
  const events: MysqlFailoverEvent[] = [];
  const failover = new MysqlFailover(addresses, {
    now: () => clock,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock += ms;
    },
    onFailover: (e) => events.push(e),
    ...options,
  });
  return {
    failover,
    sleeps,
    events,
    advance: (ms: number) => {
      clock += ms;
    },
  };
}

/** An `open` that succeeds on the addresses in `up` and records every try. */
function opener(up: readonly MysqlAddress[]) {
  const tried: MysqlAddress[] = [];
  const open = async (a: MysqlAddress): Promise<string> => {
    tried.push(a);
    if (!up.includes(a)) throw refused(a);
    return `conn to ${a.host}`;
  };
  return { tried, open };
}

/** One connect on which every address fails; returns what it threw. */
async function failedPass(failover: MysqlFailover): Promise<unknown> {
  return failover.connect(opener([]).open).then(
    () => expect.unreachable('every address was down'),
    (err: unknown) => err,
  );
}

describe('MysqlFailover: order of tries', () => {
  it('tries the addresses in order, moving on at once past one that fails', async () => {
    const { failover, sleeps } = fakeFailover([A, B, C]);
    const { tried, open } = opener([C]);
    await expect(failover.connect(open)).resolves.toBe('conn to 10.0.0.3');
    expect(tried).toEqual([A, B, C]);
    // A failure within a pass is not paced: the next address is tried at once.
    expect(sleeps).toEqual([]);
    expect(failover.current).toBe(C);
    expect(failover.failovers).toBe(2);
  });

  it('starts the next connect at the address that worked last', async () => {
    const { failover } = fakeFailover([A, B, C]);
    await failover.connect(opener([B, C]).open);
    const again = opener([A, B, C]);
    await failover.connect(again.open);
    expect(again.tried).toEqual([B]);
    expect(failover.failovers).toBe(1);
  });

  it('moves on past the current address when its connect fails, wrapping round the list', async () => {
    const { failover } = fakeFailover([A, B, C]);
    await failover.connect(opener([C]).open);
    const next = opener([A]);
    await failover.connect(next.open);
    expect(next.tried).toEqual([C, A]);
    expect(failover.current).toBe(A);
  });

  it('starts past an address whose connection broke, and ignores a break of an address already left', async () => {
    const { failover } = fakeFailover([A, B, C]);
    await failover.connect(opener([A]).open);
    failover.broke(A, refused(A));
    expect(failover.current).toBe(B);
    // A second connection to A that breaks later must not skip B as well.
    failover.broke(A, refused(A));
    expect(failover.current).toBe(B);
    expect(failover.failovers).toBe(1);
  });

  it('refuses an empty list', () => {
    expect(() => new MysqlFailover([])).toThrow(RangeError);
  });
});

describe('MysqlFailover: backoff between failed passes', () => {
  it('throws an AggregateError naming every address, transient when every attempt was', async () => {
    const { failover } = fakeFailover([A, B]);
    const err = await failedPass(failover);
    expect(err).toBeInstanceOf(AggregateError);
    expect((err as AggregateError).errors).toHaveLength(2);
    expect((err as Error).message).toBe(
      'no MySQL address answered: 10.0.0.1:3306: connect ECONNREFUSED 10.0.0.1:3306; ' +
        '10.0.0.2:3306: connect ECONNREFUSED 10.0.0.2:3306',
    );
    expect(classifyMysqlError(err)).toBe(MysqlErrorClass.TRANSIENT);
  });

  it('waits before the pass after a failed one: 100 ms doubling, capped at 2 s', async () => {
    // random 0: no jitter taken off, the nominal delays show.
    const { failover, sleeps } = fakeFailover([A, B], { backoff: { random: () => 0 } });
    for (let i = 0; i < 8; i++) await failedPass(failover);
    // The first pass does not wait: only the seven after a failed one do.
    expect(sleeps).toEqual([100, 200, 400, 800, 1600, 2000, 2000]);
    expect(MYSQL_FAILOVER_BACKOFF.maxMs).toBe(2000);
  });

  it('jitters each delay within [half, all] of the nominal one, never over the cap', async () => {
    let draws = 0;
    // Alternating ends of the jitter range, then values across it.
    const randoms = [0.999999, 0, 0.5, 0.25, 0.75, 0.999999, 0.1, 0.9, 0.6, 0.3];
    const { failover, sleeps } = fakeFailover([A, B], { backoff: { random: () => randoms[draws++ % randoms.length] } });
    for (let i = 0; i <= randoms.length; i++) await failedPass(failover);
    const nominal = [100, 200, 400, 800, 1600, 2000, 2000, 2000, 2000, 2000];
    expect(sleeps).toHaveLength(nominal.length);
    sleeps.forEach((ms, i) => {
      expect(ms).toBeGreaterThanOrEqual(Math.floor(nominal[i] * (1 - MYSQL_FAILOVER_BACKOFF.jitter)));
      expect(ms).toBeLessThanOrEqual(nominal[i]);
      expect(ms).toBeLessThanOrEqual(2000);
    });
    expect(sleeps[0]).toBe(50);
    expect(sleeps[1]).toBe(200);
    expect(sleeps[2]).toBe(300);
  });

  it('keeps the jitter within bounds with real randomness', async () => {
    const { failover, sleeps } = fakeFailover([A, B]);
    for (let i = 0; i < 40; i++) await failedPass(failover);
    for (const ms of sleeps) {
      expect(ms).toBeGreaterThanOrEqual(50);
      expect(ms).toBeLessThanOrEqual(2000);
    }
    // Past the cap's doubling, every delay is within [1 s, 2 s].
    for (const ms of sleeps.slice(5)) expect(ms).toBeGreaterThanOrEqual(1000);
  });

  it('waits only what is left of the delay when time passed since the failed pass', async () => {
    const { failover, sleeps, advance } = fakeFailover([A, B], { backoff: { random: () => 0 } });
    await failedPass(failover);
    await failedPass(failover);
    advance(150);
    await failover.connect(opener([A]).open);
    expect(sleeps).toEqual([100, 50]);
  });

  it('does not wait at all once the delay is over', async () => {
    const { failover, sleeps, advance } = fakeFailover([A, B], { backoff: { random: () => 0 } });
    await failedPass(failover);
    advance(100);
    await failover.connect(opener([B]).open);
    expect(sleeps).toEqual([]);
  });

  it('starts the backoff over after a success', async () => {
    const { failover, sleeps } = fakeFailover([A, B], { backoff: { random: () => 0 } });
    for (let i = 0; i < 4; i++) await failedPass(failover);
    await failover.connect(opener([A]).open);
    expect(sleeps).toEqual([100, 200, 400, 800]);
    // Succeeded: the next connect does not wait, and the failed pass after it waits the first delay again.
    await failover.connect(opener([A]).open);
    await failedPass(failover);
    await failedPass(failover);
    expect(sleeps).toEqual([100, 200, 400, 800, 100]);
  });
});

describe('MysqlFailover: onFailover', () => {
  it('reports each move: from, to, why and the error', async () => {
    const { failover, events } = fakeFailover([A, B, C]);
    await failover.connect(opener([C]).open);
    failover.broke(C, Object.assign(new Error('lost'), { code: 'PROTOCOL_CONNECTION_LOST' }));
    expect(events.map((e) => ({ from: e.from, to: e.to, reason: e.reason }))).toEqual([
      { from: A, to: B, reason: 'connect failed' },
      { from: B, to: C, reason: 'connect failed' },
      { from: C, to: A, reason: 'connection broke' },
    ]);
    expect((events[0].err as Error).message).toBe('connect ECONNREFUSED 10.0.0.1:3306');
    expect((events[2].err as Error).message).toBe('lost');
  });

  it('reports every address of a failed pass, wrapping back to the first', async () => {
    const { failover, events } = fakeFailover([A, B]);
    await failedPass(failover);
    expect(events.map((e) => [e.from, e.to])).toEqual([
      [A, B],
      [B, A],
    ]);
    expect(failover.current).toBe(A);
  });
});

describe('MysqlFailover: one address', () => {
  it('connects to it and never fails over', async () => {
    const { failover, events } = fakeFailover([A]);
    const { tried, open } = opener([A]);
    await expect(failover.connect(open)).resolves.toBe('conn to 10.0.0.1');
    failover.broke(A, refused(A));
    expect(tried).toEqual([A]);
    expect(failover.current).toBe(A);
    expect(failover.failovers).toBe(0);
    expect(events).toEqual([]);
  });

  it('throws the connect error itself and does not pace its caller, which paces itself', async () => {
    const { failover, sleeps } = fakeFailover([A]);
    for (let i = 0; i < 3; i++) {
      const err = await failedPass(failover);
      expect(err).not.toBeInstanceOf(AggregateError);
      expect((err as { code?: string }).code).toBe('ECONNREFUSED');
    }
    expect(sleeps).toEqual([]);
    expect(failover.failovers).toBe(0);
  });
});
