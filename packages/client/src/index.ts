// @lars/client: the Lars SDK (sdk-and-tools.md "The SDK"). An application
// creates one LarsClient, picks hosts with getHost (or call) and reports
// the outcome; every public name is exported here.

export { RetCode } from '@lars/proto';
export { LarsClient } from './lars-client.js';
export type { LarsClientOptions } from './lars-client.js';
export { ClientErrorCode, LarsClientError } from './client-errors.js';
export type { CallResult, ClientStats, GetHostResult, GetRouteResult, HostAddress } from './client-results.js';
