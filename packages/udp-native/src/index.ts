// @lars/udp-native: batched IPv4 UDP (recvmmsg/sendmmsg) through a small
// N-API addon, for the LB agent's native transport. Linux only; the addon is
// built from source (scripts/build-native.sh) and BatchUdpSocket.load() says
// whether it is there, so a caller can fall back to node:dgram.

export { BatchUdpError, BatchUdpErrorCode } from './errors.js';
export { BatchUdpSocket, BATCH_UDP_SOCKET_DEFAULTS } from './batch-udp-socket.js';
export type { BatchUdpSocketOptions, BatchUdpStats, BatchHandler } from './batch-udp-socket.js';
export { loadUdpNative, udpNativeLoadError, NATIVE_BINARY_PATH } from './native-binding.js';
export type { UdpNativeBinding, NativeSocket, NativeStats, GetHostTableLayout } from './native-binding.js';
export { ipv4ToU32, u32ToIpv4 } from '@lars/wire';
export { NativeUdpTransport } from './native-udp-transport.js';
export { GetHostTable, getHostTableHome } from './get-host-table.js';
export type { GetHostTableOptions } from './get-host-table.js';
export type { NativeUdpTransportOptions, NativeUdpTransportStats } from './native-udp-transport.js';
