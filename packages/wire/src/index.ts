// @lars/wire: the Lars frame format and the UDP transport, everything the SDK
// needs at run time beside the messages of @lars/proto. Small on purpose: no
// logging library, no config reader, no threads.

export { ErrorCode, LarsError, checkOption } from './errors.js';
export { silentWireLogger } from './wire-logger.js';
export type { WireLogger } from './wire-logger.js';
export {
  HEADER_BYTES,
  MAX_FRAME_BYTES,
  MAX_BODY_BYTES,
  MAX_UDP_BODY_BYTES,
  DatagramError,
  encodeFrame,
  writeFrame,
  datagramError,
  decodeDatagram,
  FrameDecoder,
} from './frame-codec.js';
export type { Frame, FrameSink } from './frame-codec.js';
export { MessageRouter, DispatchOutcome } from './message-router.js';
export type { MessageHandler, RawHandler, MessageRouterOptions, MessageRouterStats } from './message-router.js';
export { SendOutcome } from './send-outcome.js';
export { LogThrottle } from './log-throttle.js';
export { UdpServer, UdpReplyTarget } from './udp-server.js';
export type { UdpServerOptions } from './udp-server.js';
export { UdpClient } from './udp-client.js';
export type { UdpClientOptions } from './udp-client.js';
export type { UdpStats, UdpEndpointOptions } from './udp-endpoint.js';
export { DgramTransport, UdpTransportKind } from './udp-transport.js';
export type { DgramTransportOptions, UdpPeerAddress, UdpTransport, UdpTransportSink } from './udp-transport.js';
export { ipv4ToU32, u32ToIpv4 } from './ipv4.js';
