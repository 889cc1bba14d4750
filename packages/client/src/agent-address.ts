// Where the local LB agent is: the one rule LarsClient and every tool apply
// (an explicit value, else the environment, else the default), so the
// variables, their checks and the defaults are written once.
import { AGENT_PORTS, parseIpv4 } from '@lars/proto';
import { ErrorCode, LarsError } from '@lars/wire';

/** The address of the agent's first UDP port. */
export interface AgentAddress {
  readonly host: string;
  readonly basePort: number;
}

/** The environment (a `process.env`-like map) the agent address is read from. */
export type AgentEnv = Readonly<Record<string, string | undefined>>;

/** The environment variable of each field of {@link AgentAddress}. */
export const AGENT_ENV = {
  host: 'LARS_AGENT_IP',
  basePort: 'LARS_AGENT_BASE_PORT',
} as const satisfies Record<keyof AgentAddress, string>;

/** Used when neither an explicit value nor the variable is given. */
export const AGENT_DEFAULTS: AgentAddress = Object.freeze({ host: '127.0.0.1', basePort: 8888 });

/** The agent listens on basePort .. basePort + 2, so this is the largest base port. */
export const MAX_BASE_PORT = 65_535 - (AGENT_PORTS - 1);

const DIGITS = /^\d+$/;

function badVariable(name: string, value: string, why: string): LarsError {
  return new LarsError(ErrorCode.BAD_OPTION, `environment variable ${name} ${why}, got ${JSON.stringify(value)}`);
}

/** A set, non-empty variable; undefined when unset or empty (an empty value means "not given"). */
function variable(env: AgentEnv, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

/**
 * The agent address: each field is the explicit value when one is given
 * (returned as is: its owner checks it), else its variable of
 * {@link AGENT_ENV} when set and non-empty, else {@link AGENT_DEFAULTS}.
 * A variable overridden by an explicit value is not read.
 * @throws LarsError `LARS_BAD_OPTION` naming the variable and its value:
 *   LARS_AGENT_IP must be an IPv4 dotted quad, LARS_AGENT_BASE_PORT an
 *   integer 1..{@link MAX_BASE_PORT}.
 */
export function resolveAgentAddress(explicit: Partial<AgentAddress>, env: AgentEnv): AgentAddress {
  let host = explicit.host;
  if (host === undefined) {
    const raw = variable(env, AGENT_ENV.host);
    if (raw !== undefined && parseIpv4(raw) < 0)
      throw badVariable(AGENT_ENV.host, raw, 'must be an IPv4 address like 127.0.0.1');
    host = raw ?? AGENT_DEFAULTS.host;
  }
  let basePort = explicit.basePort;
  if (basePort === undefined) {
    const raw = variable(env, AGENT_ENV.basePort);
    const n = raw !== undefined && DIGITS.test(raw) ? Number(raw) : Number.NaN;
    if (raw !== undefined && !(n >= 1 && n <= MAX_BASE_PORT))
      throw badVariable(AGENT_ENV.basePort, raw, `must be an integer in 1..${MAX_BASE_PORT}`);
    basePort = raw === undefined ? AGENT_DEFAULTS.basePort : n;
  }
  return { host, basePort };
}
