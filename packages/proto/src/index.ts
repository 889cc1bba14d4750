export { MessageId, RetCode, isMessageId, messageName } from './ids.js';
export { ipToInt, intToIp, parseIpv4 } from './ip.js';
export { encodeBody, decodeBody } from './messages.js';
export type {
  MessageMap,
  DecodedMessageMap,
  HostInfo,
  GetRouteRequest,
  GetRouteResponse,
  HostCallResult,
  ReportStatusRequest,
  GetHostRequest,
  GetHostResponse,
  ReportRequest,
} from './messages.js';
export { AGENT_PORTS, agentPortIndex } from './agent-port.js';
export { encodeRouteFitting } from './route-fit.js';
export { GetHostResponseWriter } from './get-host-response-writer.js';
export type { FittedRoute } from './route-fit.js';
