// @lars/reactor: the networking library under every daemon, the SDK and the
// tools (reactor.md). Everything public is exported here by name.

export { ErrorCode, LarsError, checkOption } from './errors.js';
export { createLogger, silentLogger } from './logger.js';
export type { Logger, LoggerFactoryOptions } from './logger.js';
export { Config } from './config.js';
export type { ConfigOptions } from './config.js';

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
export { Backoff } from './backoff.js';
export type { BackoffOptions } from './backoff.js';

export { TcpConnection } from './tcp-connection.js';
export type { TcpCounters } from './tcp-connection.js';
export { TcpServer } from './tcp-server.js';
export type { TcpServerOptions, TcpServerStats } from './tcp-server.js';
export { TcpClient, WhileDisconnected } from './tcp-client.js';
export type { TcpClientOptions, TcpClientStats, TcpAddress } from './tcp-client.js';
export { UdpServer, UdpReplyTarget } from './udp-server.js';
export type { UdpServerOptions } from './udp-server.js';
export { UdpClient } from './udp-client.js';
export type { UdpClientOptions } from './udp-client.js';
export type { UdpStats } from './udp-endpoint.js';

export { SabQueue, FullPolicy, WaitResult } from './sab-queue.js';
export type { SabQueueOptions, SabQueueStats, RecordSink } from './sab-queue.js';
export { HashRing, hashString, hashWords, routeKey } from './hash-ring.js';
export type { HashRingOptions } from './hash-ring.js';
export { ThreadPool } from './thread-pool.js';
export type { ThreadPoolOptions, ThreadPoolStats, PoolMessageHandler } from './thread-pool.js';
export { runPoolWorker, poolWorkerContext, poolWorkerSend, poolWorkerReady } from './thread-pool-worker.js';
export type { PoolWorkerContext, PoolReply, PoolHandler, RunPoolWorkerOptions } from './thread-pool-worker.js';
export { spawnWorker } from './worker-spawn.js';
export { StatsHttpServer, renderPrometheus } from './stats-http.js';
export type { StatsHttpServerOptions, StatsSnapshot } from './stats-http.js';
export type { UdpEndpointOptions } from './udp-endpoint.js';
export type { TcpConnectionOptions } from './tcp-connection.js';
export { runDaemon } from './daemon.js';
export type { DaemonHandle, RunDaemonOptions } from './daemon.js';
export { RingDeque } from './ring-deque.js';
export { SharedCounters } from './shared-counters.js';
