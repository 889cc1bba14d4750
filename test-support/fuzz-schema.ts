// The Lars wire schema (lars.proto) and frame limits (protocol.md) as data,
// written out for the fuzz tests' encoder and reference decoder, with no
// @lars import, so that they check the project's codec instead of reusing it.

/** `[msgid int32 LE][msglen int32 LE]`. */
export const FUZZ_HEADER_BYTES = 8;
/** protocol.md: 0 <= msglen <= 65527. */
export const FUZZ_MAX_BODY_BYTES = 65_527;

export type ScalarType = 'int32' | 'uint32' | 'bool';
export interface FieldSpec {
  readonly name: string;
  readonly num: number;
  readonly type: ScalarType | 'message';
  readonly repeated?: boolean;
  readonly message?: MessageSpec;
  /** IPv4 fields: int32 on the wire, read back unsigned (protocol.md "IPv4 encoding"). */
  readonly unsigned?: boolean;
}
export interface MessageSpec {
  readonly name: string;
  readonly fields: readonly FieldSpec[];
}

const HOST_INFO: MessageSpec = {
  name: 'HostInfo',
  fields: [
    { name: 'ip', num: 1, type: 'int32', unsigned: true },
    { name: 'port', num: 2, type: 'int32' },
  ],
};
const HOST_CALL_RESULT: MessageSpec = {
  name: 'HostCallResult',
  fields: [
    { name: 'ip', num: 1, type: 'int32', unsigned: true },
    { name: 'port', num: 2, type: 'int32' },
    { name: 'succ', num: 3, type: 'uint32' },
    { name: 'err', num: 4, type: 'uint32' },
    { name: 'overload', num: 5, type: 'bool' },
  ],
};
const GET_ROUTE_REQUEST: MessageSpec = {
  name: 'GetRouteRequest',
  fields: [
    { name: 'modid', num: 1, type: 'int32' },
    { name: 'cmdid', num: 2, type: 'int32' },
  ],
};
const GET_ROUTE_RESPONSE: MessageSpec = {
  name: 'GetRouteResponse',
  fields: [
    { name: 'modid', num: 1, type: 'int32' },
    { name: 'cmdid', num: 2, type: 'int32' },
    { name: 'host', num: 3, type: 'message', repeated: true, message: HOST_INFO },
  ],
};

/** The body message of each msgid (protocol.md "Message ids"). */
export const FUZZ_SCHEMA: Readonly<Record<number, MessageSpec>> = {
  1: GET_ROUTE_REQUEST,
  2: GET_ROUTE_RESPONSE,
  3: {
    name: 'ReportStatusRequest',
    fields: [
      { name: 'modid', num: 1, type: 'int32' },
      { name: 'cmdid', num: 2, type: 'int32' },
      { name: 'caller', num: 3, type: 'int32', unsigned: true },
      { name: 'results', num: 4, type: 'message', repeated: true, message: HOST_CALL_RESULT },
      { name: 'ts', num: 5, type: 'uint32' },
    ],
  },
  4: {
    name: 'GetHostRequest',
    fields: [
      { name: 'seq', num: 1, type: 'uint32' },
      { name: 'modid', num: 2, type: 'int32' },
      { name: 'cmdid', num: 3, type: 'int32' },
    ],
  },
  5: {
    name: 'GetHostResponse',
    fields: [
      { name: 'seq', num: 1, type: 'uint32' },
      { name: 'modid', num: 2, type: 'int32' },
      { name: 'cmdid', num: 3, type: 'int32' },
      { name: 'retcode', num: 4, type: 'int32' },
      { name: 'host', num: 5, type: 'message', message: HOST_INFO },
    ],
  },
  6: {
    name: 'ReportRequest',
    fields: [
      { name: 'modid', num: 1, type: 'int32' },
      { name: 'cmdid', num: 2, type: 'int32' },
      { name: 'host', num: 3, type: 'message', message: HOST_INFO },
      { name: 'retcode', num: 4, type: 'int32' },
      { name: 'timecost', num: 5, type: 'uint32' },
    ],
  },
  7: GET_ROUTE_REQUEST,
  8: GET_ROUTE_RESPONSE,
};

/** A message as plain data: scalars are numbers (bool: boolean), embedded messages objects, repeated ones arrays. */
export type FuzzMessage = { [field: string]: number | boolean | FuzzMessage | FuzzMessage[] | undefined };
