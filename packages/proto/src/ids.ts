/** Frame message ids (protocol.md "Message ids"); values fixed by the original Lars. */
export const MessageId = {
  GetRouteRequest: 1,
  GetRouteResponse: 2,
  ReportStatusRequest: 3,
  GetHostRequest: 4,
  GetHostResponse: 5,
  ReportRequest: 6,
  ApiGetRouteRequest: 7,
  ApiGetRouteResponse: 8,
} as const;
export type MessageId = (typeof MessageId)[keyof typeof MessageId];

/** LarsRetCode: what get_host answers and what report carries. */
export const RetCode = {
  SUCC: 0,
  OVERLOAD: 1,
  SYSTEM_ERROR: 2,
  NOEXIST: 3,
} as const;
export type RetCode = (typeof RetCode)[keyof typeof RetCode];

export function isMessageId(n: number): n is MessageId {
  return Number.isInteger(n) && n >= MessageId.GetRouteRequest && n <= MessageId.ApiGetRouteResponse;
}

const NAMES: readonly string[] = ['UNKNOWN', ...Object.keys(MessageId)];

/** The message name for logs: `GetHostRequest`, or `msgid 42` for an unknown one. */
export function messageName(msgid: number): string {
  return isMessageId(msgid) ? NAMES[msgid] : `msgid ${msgid}`;
}
