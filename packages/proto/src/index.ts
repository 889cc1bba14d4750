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
