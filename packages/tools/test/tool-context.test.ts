import { describe, expect, it } from 'vitest';
import { ClientErrorCode, LarsClientError, RetCode } from '@lars/client';
import { parseArgv, UsageError } from '../src/cli-args.js';
import { AGENT_FLAGS, agentAddress, describeNoHost, hostPort, retName } from '../src/tool-context.js';

const parse = (argv: string[]) => parseArgv(argv, { positionals: [], flags: AGENT_FLAGS });

describe('agentAddress', () => {
  it('defaults to 127.0.0.1:8888', () => {
    expect(agentAddress(parse([]))).toEqual({ host: '127.0.0.1', basePort: 8888 });
    expect(agentAddress(parse([]), { LARS_AGENT_IP: '', LARS_AGENT_BASE_PORT: '' })).toEqual({
      host: '127.0.0.1',
      basePort: 8888,
    });
  });

  it('takes the agent environment overrides, and the flags over them', () => {
    const env = { LARS_AGENT_IP: '10.0.0.1', LARS_AGENT_BASE_PORT: '9000' };
    expect(agentAddress(parse([]), env)).toEqual({ host: '10.0.0.1', basePort: 9000 });
    expect(agentAddress(parse(['--host', '10.0.0.2', '--base-port=7000']), env)).toEqual({
      host: '10.0.0.2',
      basePort: 7000,
    });
  });

  it('names the flag or variable that is malformed', () => {
    expect(() => agentAddress(parse(['--host', 'nohost']))).toThrow(UsageError);
    expect(() => agentAddress(parse(['--host', 'nohost']))).toThrow(/--host must be an IPv4 address/);
    expect(() => agentAddress(parse(['--base-port', '65534']))).toThrow(/--base-port must be an integer in 1\.\.65533/);
    expect(() => agentAddress(parse([]), { LARS_AGENT_IP: '1.2.3' })).toThrow(/LARS_AGENT_IP/);
    expect(() => agentAddress(parse([]), { LARS_AGENT_BASE_PORT: 'x' })).toThrow(/LARS_AGENT_BASE_PORT/);
  });
});

describe('describing answers', () => {
  const agent = { host: '127.0.0.1', basePort: 8888 };

  it('says why there is no host', () => {
    expect(describeNoHost({ ret: RetCode.OVERLOAD }, 1, 2, agent)).toBe('OVERLOAD (every host of 1/2 is overloaded)');
    expect(describeNoHost({ ret: RetCode.NOEXIST }, 1, 2, agent)).toMatch(/^NOEXIST \(the route of 1\/2 has no hosts/);
    const error = new LarsClientError(ClientErrorCode.TIMEOUT, 'timed out');
    expect(describeNoHost({ ret: RetCode.SYSTEM_ERROR, error }, 1, 2, agent)).toBe(
      'SYSTEM_ERROR LARS_TIMEOUT (is the agent running on 127.0.0.1:8888?)',
    );
  });

  it('names retcodes and formats hosts', () => {
    expect([0, 1, 2, 3, 7].map(retName)).toEqual(['SUCC', 'OVERLOAD', 'SYSTEM_ERROR', 'NOEXIST', 'retcode 7']);
    expect(hostPort({ ip: '192.168.1.177', port: 9001 })).toBe('192.168.1.177:9001');
  });
});
