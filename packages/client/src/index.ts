// @lars/client: the Lars SDK (packages/client/README.md). An application
// creates one LarsClient, picks hosts with getHost (or call) and reports
// the outcome; every public name is exported here, including every class a
// caller may catch or compare against (LarsError from @lars/wire is the
// same class, so `instanceof` holds whichever package it is imported from).

export { RetCode } from '@lars/proto';
export { ErrorCode, LarsError } from '@lars/wire';
export { LarsClient } from './lars-client.js';
export type { LarsClientOptions } from './lars-client.js';
export { ClientErrorCode, LarsClientError } from './client-errors.js';
export { AGENT_DEFAULTS, AGENT_ENV, MAX_BASE_PORT, resolveAgentAddress } from './agent-address.js';
export type { AgentAddress, AgentEnv } from './agent-address.js';
export type { CallResult, ClientStats, GetHostResult, GetRouteResult, HostAddress } from './client-results.js';
export type { GetHostHook, GetHostLatencyStats } from './get-host-latency.js';
