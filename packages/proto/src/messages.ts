import { lars } from './generated/lars.js';
import type { MessageId } from './ids.js';

// Plain-data shapes a sender builds (every field optional, as in proto3).
export type HostInfo = lars.IHostInfo;
export type GetRouteRequest = lars.IGetRouteRequest;
export type GetRouteResponse = lars.IGetRouteResponse;
export type HostCallResult = lars.IHostCallResult;
export type ReportStatusRequest = lars.IReportStatusRequest;
export type GetHostRequest = lars.IGetHostRequest;
export type GetHostResponse = lars.IGetHostResponse;
export type ReportRequest = lars.IReportRequest;

/** The body each msgid carries, as a sender writes it. */
export interface MessageMap {
  1: GetRouteRequest;
  2: GetRouteResponse;
  3: ReportStatusRequest;
  4: GetHostRequest;
  5: GetHostResponse;
  6: ReportRequest;
  7: GetRouteRequest;
  8: GetRouteResponse;
}

/**
 * The body each msgid carries, as a receiver gets it: every scalar is present
 * (zero when absent on the wire), IPv4 fields are unsigned.
 */
export interface DecodedMessageMap {
  1: lars.GetRouteRequest;
  2: lars.GetRouteResponse;
  3: lars.ReportStatusRequest;
  4: lars.GetHostRequest;
  5: lars.GetHostResponse;
  6: lars.ReportRequest;
  7: lars.GetRouteRequest;
  8: lars.GetRouteResponse;
}

interface StaticCodec {
  encode(message: object): { finish(): Uint8Array };
  decode(body: Uint8Array): object;
}

// Index = msgid. API_GetRoute* reuse the GetRoute* bodies (protocol.md).
const CODECS: readonly StaticCodec[] = [
  lars.GetRouteRequest, // 0: never used, keeps the index equal to the msgid
  lars.GetRouteRequest,
  lars.GetRouteResponse,
  lars.ReportStatusRequest,
  lars.GetHostRequest,
  lars.GetHostResponse,
  lars.ReportRequest,
  lars.GetRouteRequest,
  lars.GetRouteResponse,
];

/** Protobuf body of `message` for `msgid`; zero-valued scalars are left out (canonical proto3). */
export function encodeBody<M extends MessageId>(msgid: M, message: MessageMap[M]): Uint8Array {
  return CODECS[msgid].encode(message).finish();
}

/** Decodes the body of a `msgid` frame; throws (protobufjs's Error) when the bytes are not that message. */
export function decodeBody<M extends MessageId>(msgid: M, body: Uint8Array): DecodedMessageMap[M] {
  return CODECS[msgid].decode(body) as DecodedMessageMap[M];
}
