// @lars/reactor: the daemons' runtime on top of @lars/wire: TCP server and
// client, SharedArrayBuffer queues, thread pool, hash ring, INI config, pino
// logging, stats endpoint, daemon runner. Everything public is exported here by name.

export { createLogger, LOG_LEVELS, parseLogLevel, REDACT_PATHS, REDACTED, silentLogger } from './logger.js';
export type { Logger, LoggerFactoryOptions, LogLevel } from './logger.js';
export { workerLogger } from './worker-logger.js';
export type { WorkerLogBindings } from './worker-logger.js';
export { Config } from './config.js';
export type { ConfigOptions, ConfigValue } from './config.js';
export {
  editDistance,
  nearest,
  OUT_OF_RANGE,
  outOfRange,
  readDaemonConfig,
  readRules,
  sharedRules,
} from './config-rules.js';
export {
  hostRule,
  integerRule,
  listenPortRule,
  listRule,
  msRule,
  numberRule,
  peerPortRule,
  secondsRule,
  stringRule,
} from './config-rule-kinds.js';
export type {
  ConfigRule,
  ConfigSchema,
  ConfigValues,
  ConfigWarn,
  HasFields,
  OptionPath,
  ReadRules,
} from './config-rules.js';
export type { ListItem } from './config-rule-kinds.js';
export { isNonConfigVariable, LARS_CONFIG_SECTIONS, NON_CONFIG_VARIABLES } from './lars-env.js';
export type { NonConfigVariable } from './lars-env.js';
export { CIDR_LIST_RANGE, cidrItem, REACTOR_GUARD_RULES, REACTOR_RULES } from './reactor-config.js';
export type { ReactorGuardOptions, ReactorOptions } from './reactor-config.js';
export { STATS_DEFAULT_HOST, STATS_RULES, statsEndpointFromConfig } from './stats-config.js';

export { Backoff } from './backoff.js';
export type { BackoffOptions } from './backoff.js';

export { TcpConnection } from './tcp-connection.js';
export type { TcpCounters } from './tcp-connection.js';
export { TcpServer } from './tcp-server.js';
export type { TcpServerOptions, TcpServerStats } from './tcp-server.js';
export { DEFAULT_ALLOW, IpAllowList, parseCidr } from './ip-allow-list.js';
export type { CidrRange } from './ip-allow-list.js';
export {
  PerAddressCount,
  SweepVerdict,
  TCP_GUARD_METRICS,
  displacementVictim,
  pickGuardOptions,
  sweepVerdict,
} from './connection-guard.js';
export type { GuardCounters, GuardedConnection, TcpGuardOptions } from './connection-guard.js';
export { TcpClient, WhileDisconnected } from './tcp-client.js';
export type { TcpClientOptions, TcpClientStats, TcpAddress } from './tcp-client.js';

export { SabQueue, FullPolicy, WaitResult } from './sab-queue.js';
export type { SabQueueOptions, SabQueueStats, RecordSink } from './sab-queue.js';
export { HashRing, hashString, hashWords, routeKey } from './hash-ring.js';
export type { HashRingOptions } from './hash-ring.js';
export { ThreadPool } from './thread-pool.js';
export type { ThreadPoolOptions, ThreadPoolStats, PoolMessageHandler } from './thread-pool.js';
export { runPoolWorker, poolWorkerContext, poolWorkerSend, poolWorkerReady } from './thread-pool-worker.js';
export type { PoolWorkerContext, PoolReply, PoolHandler, RunPoolWorkerOptions } from './thread-pool-worker.js';
export { siblingModule, spawnWorker } from './worker-spawn.js';
export type { SpawnWorkerOptions } from './worker-spawn.js';
export { StatsHttpServer, legacyStatsSource, renderPrometheus } from './stats-http.js';
export type { StatsHttpServerOptions, StatsSnapshot, StatsSource } from './stats-http.js';
export { defineMetrics, STATS_UNITS, TCP_SERVER_METRICS } from './metric-list.js';
export type {
  CollectedKey,
  CollectedValue,
  MetricLabel,
  MetricList,
  MetricSpec,
  MetricValues,
  ObservedHistogramSpec,
  ObservedKey,
  ScalarMetricSpec,
  SnapshotHistogramSpec,
  StatsUnit,
} from './metric-list.js';
export { BUILD_INFO_METRIC, DaemonMetrics, HEALTH_METRICS } from './daemon-metrics.js';
export type { DaemonMetricsOptions } from './daemon-metrics.js';
export { metricsTable } from './metrics-table.js';
export { ANSWERING, healthReport } from './health.js';
export type { DaemonHealth, HealthCheck, HealthReport } from './health.js';
export { Heartbeat, HeartbeatBoard } from './thread-heartbeat.js';
export type { HeartbeatBoardOptions, HeartbeatSlot, ThreadHealth } from './thread-heartbeat.js';
export type { TcpConnectionOptions } from './tcp-connection.js';
export { runDaemon } from './daemon.js';
export type { DaemonHandle, RunDaemonOptions, StartableDaemon } from './daemon.js';
export { CONF_ENV, DaemonExit, daemonUsage, parseDaemonArgs, readDaemonPackageInfo } from './daemon-args.js';
export type { DaemonArgs, DaemonPackageInfo } from './daemon-args.js';
export { exitQuietlyOnEpipe } from './epipe.js';
export { RotatingFile, ROTATING_FILE_DEFAULTS } from './rotating-file.js';
export type { RotatingFileOptions } from './rotating-file.js';
export { RingDeque } from './ring-deque.js';
export { SharedCounters } from './shared-counters.js';
export { SharedHistogram } from './shared-histogram.js';
export type { HistogramSnapshot, SharedHistogramSnapshot } from './shared-histogram.js';
