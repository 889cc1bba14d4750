// One error hierarchy: everything the SDK throws or returns is a LarsError
// with a code of the one registry, and every class is exported from the index.
import { describe, expect, it } from 'vitest';
import * as wire from '@lars/wire';
import * as proto from '@lars/proto';
import { ClientErrorCode, ErrorCode, LarsClient, LarsClientError, LarsError, RetCode } from '../src/index.js';

describe('the SDK error classes', () => {
  it('are the wire package classes, exported from @lars/client', () => {
    expect(LarsError).toBe(wire.LarsError);
    expect(ErrorCode).toBe(wire.ErrorCode);
    expect(RetCode).toBe(proto.RetCode);
  });

  it('ClientErrorCode is a subset of the ErrorCode registry, key for key', () => {
    const entries = Object.entries(ClientErrorCode);
    expect(entries.length).toBeGreaterThan(0);
    for (const [name, code] of entries) expect(ErrorCode[name as keyof typeof ErrorCode]).toBe(code);
    expect(ClientErrorCode).toMatchObject({
      TIMEOUT: 'LARS_TIMEOUT',
      CLOSED: 'LARS_CLOSED',
      SEND_FAILED: 'LARS_SEND_FAILED',
      AGENT_ERROR: 'LARS_AGENT_ERROR',
      AGENT_UNREACHABLE: 'LARS_AGENT_UNREACHABLE',
    });
    expect(Object.isFrozen(ClientErrorCode)).toBe(true);
  });

  it('LarsClientError is a LarsError with its code, message and cause', () => {
    const cause = new Error('ECONNREFUSED');
    const error = new LarsClientError(ClientErrorCode.AGENT_UNREACHABLE, 'the agent is unreachable', { cause });
    expect(error).toBeInstanceOf(LarsClientError);
    expect(error).toBeInstanceOf(LarsError);
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ name: 'LarsClientError', code: 'LARS_AGENT_UNREACHABLE', cause });
    expect(error.message).toBe('the agent is unreachable');
  });

  it('what the SDK throws for misuse is a LarsError (BAD_OPTION, CLOSED)', async () => {
    const thrown = (fn: () => unknown): unknown => {
      try {
        fn();
      } catch (err) {
        return err;
      }
      throw new Error('did not throw');
    };
    const bad = thrown(() => new LarsClient({ timeoutMs: 0, env: {} }));
    expect(bad).toBeInstanceOf(LarsError);
    expect(bad).toMatchObject({ code: ErrorCode.BAD_OPTION });
    const badEnv = thrown(() => new LarsClient({ env: { LARS_AGENT_BASE_PORT: 'x' } }));
    expect(badEnv).toBeInstanceOf(LarsError);
    expect(badEnv).toMatchObject({ code: ErrorCode.BAD_OPTION });

    const c = new LarsClient({ env: {} });
    await c.close();
    const closed = thrown(() => c.getHost(1, 1));
    expect(closed).toBeInstanceOf(LarsError);
    expect(closed).toMatchObject({ code: ErrorCode.CLOSED });
  });
});
