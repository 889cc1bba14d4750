// What every tool shares: where its output goes, the agent address options
// (flags, then the agent's own environment overrides, then the defaults) and
// the words for an answer that is not a host.
import { AGENT_DEFAULTS, AGENT_ENV, LarsClient, MAX_BASE_PORT, resolveAgentAddress, RetCode } from '@lars/client';
import type { AgentAddress, LarsClientError } from '@lars/client';
import { flagValue, parseIntArg, parseIpArg, type ArgSpec, type FlagSpec, type ParsedArgs } from './cli-args.js';

/** Where a tool writes; `process.stdout` fits, and so does a string collector in tests. */
export interface OutputStream {
  write(chunk: string): unknown;
  /** A terminal gets progress displays instead of a line per event. */
  readonly isTTY?: boolean;
}

export interface ToolIO {
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  /**
   * Read for LARS_AGENT_IP / LARS_AGENT_BASE_PORT. Defaults to none, so an
   * in-process caller is not steered by the test runner's environment; the
   * CLI passes process.env.
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Stops a tool that otherwise runs until interrupted (qps without --duration). */
  readonly signal?: AbortSignal;
}

/** Exit codes of every tool. */
export const ExitCode = {
  OK: 0,
  /** The tool ran but the answer was not what was asked for (no host, no route, agent down). */
  FAILED: 1,
  USAGE: 2,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * One command. The dispatcher parses argv against `args` (plus the agent
 * options and --help) and calls `run`, which validates the values, throws
 * UsageError for a bad one, and resolves the exit code.
 */
export interface Tool {
  readonly name: string;
  /** One paragraph for the usage text. */
  readonly summary: string;
  readonly args: ArgSpec;
  /** Extra usage lines: output format, exit codes. */
  readonly notes: readonly string[];
  /** Runs until io.signal aborts (or its own end) and then still prints its summary; the CLI wires SIGINT to it. */
  readonly stopsOnSignal?: boolean;
  run(args: ParsedArgs, io: ToolIO): Promise<ExitCode>;
}

export type { AgentAddress };

/** The options every tool takes besides its own. */
export const AGENT_FLAGS: readonly FlagSpec[] = [
  { name: 'host', value: 'IP', help: `agent address (env ${AGENT_ENV.host}, default ${AGENT_DEFAULTS.host})` },
  {
    name: 'base-port',
    value: 'N',
    help: `agent base port; it listens on N..N+2 (env ${AGENT_ENV.basePort}, default ${AGENT_DEFAULTS.basePort})`,
  },
];

/**
 * The agent address from --host / --base-port, else the environment, else
 * the defaults (the SDK's rule, resolveAgentAddress). A malformed flag is a
 * UsageError, a malformed variable the SDK's LarsError BAD_OPTION: both exit 2.
 */
export function agentAddress(args: ParsedArgs, env: ToolIO['env'] = {}): AgentAddress {
  const hostFlag = flagValue(args, 'host');
  const portFlag = flagValue(args, 'base-port');
  return resolveAgentAddress(
    {
      host: hostFlag === undefined ? undefined : parseIpArg(hostFlag, '--host'),
      basePort: portFlag === undefined ? undefined : parseIntArg(portFlag, '--base-port', 1, MAX_BASE_PORT),
    },
    env,
  );
}

/** Runs `fn` with a client of the agent and closes the client whatever happens. */
/**
 * How long a one-shot tool waits for a key's first route (attempts of the
 * client's 50 ms interval): an agent that has not held the key pulls it from
 * the DNS first, and on a busy machine that round trip outlasts the SDK's
 * default 150 ms wait, which is tuned for applications, not for one question.
 */
const TOOL_ROUTE_WAIT_ATTEMPTS = 20;

export async function withClient<T>(agent: AgentAddress, fn: (client: LarsClient) => Promise<T>): Promise<T> {
  // The address is resolved already: the client must not read the environment again.
  const client = new LarsClient({
    host: agent.host,
    basePort: agent.basePort,
    env: {},
    routeWaitAttempts: TOOL_ROUTE_WAIT_ATTEMPTS,
  });
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

const RET_NAMES: Record<number, string> = {
  [RetCode.SUCC]: 'SUCC',
  [RetCode.OVERLOAD]: 'OVERLOAD',
  [RetCode.SYSTEM_ERROR]: 'SYSTEM_ERROR',
  [RetCode.NOEXIST]: 'NOEXIST',
};

/** `SUCC`, `OVERLOAD`, ...; `retcode N` for a value outside LarsRetCode. */
export function retName(ret: number): string {
  return RET_NAMES[ret] ?? `retcode ${ret}`;
}

/** A get_host / get_route answer without a host, with the likely reason. */
export type NoHost =
  | { readonly ret: typeof RetCode.OVERLOAD | typeof RetCode.NOEXIST }
  | { readonly ret: typeof RetCode.SYSTEM_ERROR; readonly error: LarsClientError };

/** `OVERLOAD (every host of 1/1 is overloaded)`, `SYSTEM_ERROR LARS_TIMEOUT (is the agent running on ...?)`. */
export function describeNoHost(answer: NoHost, modid: number, cmdid: number, agent: AgentAddress): string {
  switch (answer.ret) {
    case RetCode.OVERLOAD:
      return `OVERLOAD (every host of ${modid}/${cmdid} is overloaded)`;
    case RetCode.NOEXIST:
      return `NOEXIST (the route of ${modid}/${cmdid} has no hosts: is it in RouteData?)`;
    case RetCode.SYSTEM_ERROR:
      return `SYSTEM_ERROR ${answer.error.code} (is the agent running on ${agent.host}:${agent.basePort}?)`;
  }
}

/** `127.0.0.1:9001` */
export function hostPort(host: { readonly ip: string; readonly port: number }): string {
  return `${host.ip}:${host.port}`;
}
