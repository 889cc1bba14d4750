import type { DecodedMessageMap } from '@lars/proto';

type HostCallResult = DecodedMessageMap[3]['results'][number];

/** Why a reported host cannot become a ServerCallStatus row (the /stats key that counts it). */
export const RowRejectReason = {
  /** `port` is INT UNSIGNED, the protocol's int32 may be negative. */
  PORT_OUT_OF_RANGE: 'port_out_of_range',
} as const;
export type RowRejectReason = (typeof RowRejectReason)[keyof typeof RowRejectReason];

/**
 * Checks one result against the ServerCallStatus column types
 * (packages/store/migrations/0001-baseline.sql), so that MySQL never sees a
 * row it must refuse. Only `port` can fail: modid and cmdid are int32 into
 * INT; ip and caller are int32 stored as their unsigned 32-bit value
 * (INT UNSIGNED); succ, err and ts are uint32 into INT UNSIGNED; overload is
 * a bool into CHAR(1).
 */
export function rowRejectReason(result: HostCallResult): RowRejectReason | null {
  const port = result.port ?? 0;
  return port < 0 ? RowRejectReason.PORT_OUT_OF_RANGE : null;
}
