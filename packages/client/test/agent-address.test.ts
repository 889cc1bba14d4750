import { describe, expect, it } from 'vitest';
import { ErrorCode, LarsError } from '@lars/wire';
import { AGENT_DEFAULTS, AGENT_ENV, MAX_BASE_PORT, resolveAgentAddress } from '../src/index.js';

describe('resolveAgentAddress', () => {
  it('defaults to 127.0.0.1:8888 when nothing is given; an empty variable counts as unset', () => {
    expect(resolveAgentAddress({}, {})).toEqual({ host: '127.0.0.1', basePort: 8888 });
    expect(resolveAgentAddress({}, { LARS_AGENT_IP: '', LARS_AGENT_BASE_PORT: '' })).toEqual(AGENT_DEFAULTS);
    expect(AGENT_ENV).toEqual({ host: 'LARS_AGENT_IP', basePort: 'LARS_AGENT_BASE_PORT' });
  });

  it('reads LARS_AGENT_IP / LARS_AGENT_BASE_PORT; an explicit value wins and its variable is not read', () => {
    const env = { LARS_AGENT_IP: '10.0.0.1', LARS_AGENT_BASE_PORT: '9000' };
    expect(resolveAgentAddress({}, env)).toEqual({ host: '10.0.0.1', basePort: 9000 });
    expect(resolveAgentAddress({ basePort: 7000 }, env)).toEqual({ host: '10.0.0.1', basePort: 7000 });
    expect(resolveAgentAddress({ host: 'agent.local' }, env)).toEqual({ host: 'agent.local', basePort: 9000 });
    const bad = { LARS_AGENT_IP: 'nohost', LARS_AGENT_BASE_PORT: 'x' };
    expect(resolveAgentAddress({ host: '10.0.0.2', basePort: 7001 }, bad)).toEqual({
      host: '10.0.0.2',
      basePort: 7001,
    });
  });

  it('rejects a malformed variable with LarsError BAD_OPTION naming the variable and the value', () => {
    const cases: Array<[Record<string, string>, string]> = [
      [
        { LARS_AGENT_IP: '1.2.3' },
        'environment variable LARS_AGENT_IP must be an IPv4 address like 127.0.0.1, got "1.2.3"',
      ],
      [{ LARS_AGENT_IP: 'localhost' }, 'LARS_AGENT_IP must be an IPv4 address like 127.0.0.1, got "localhost"'],
      [
        { LARS_AGENT_BASE_PORT: 'eighty' },
        `LARS_AGENT_BASE_PORT must be an integer in 1..${MAX_BASE_PORT}, got "eighty"`,
      ],
      [{ LARS_AGENT_BASE_PORT: '0' }, 'LARS_AGENT_BASE_PORT must be an integer in 1..65533, got "0"'],
      [{ LARS_AGENT_BASE_PORT: '65534' }, 'LARS_AGENT_BASE_PORT must be an integer in 1..65533, got "65534"'],
      [{ LARS_AGENT_BASE_PORT: ' 9000' }, 'LARS_AGENT_BASE_PORT must be an integer in 1..65533, got " 9000"'],
      [{ LARS_AGENT_BASE_PORT: '9e3' }, 'got "9e3"'],
    ];
    for (const [env, message] of cases) {
      expect(() => resolveAgentAddress({}, env)).toThrow(LarsError);
      expect(() => resolveAgentAddress({}, env)).toThrow(expect.objectContaining({ code: ErrorCode.BAD_OPTION }));
      expect(() => resolveAgentAddress({}, env)).toThrow(message);
    }
  });
});
