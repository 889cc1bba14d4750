import { Config } from './config.js';
import {
  DaemonExit,
  daemonUsage,
  parseDaemonArgs,
  readDaemonPackageInfo,
  type DaemonPackageInfo,
} from './daemon-args.js';
import { exitQuietlyOnEpipe } from './epipe.js';
import { createLogger, type Logger } from './logger.js';
import type { DaemonHealth } from './health.js';
import { statsEndpointFromConfig } from './stats-config.js';
import { legacyStatsSource, StatsHttpServer, type StatsSnapshot, type StatsSource } from './stats-http.js';

/** What a daemon's start (or create) function hands back. */
export type DaemonHandle = {
  /** Stop accepting, flush what is queued, close connections. */
  close(): Promise<void>;
  /** `/healthz` and `/readyz`; without it both are 200 while the endpoint answers. */
  health?: DaemonHealth;
} & (
  | {
      /** `/stats` and `/metrics`: the daemon's DaemonMetrics (its metric list bound to its values). */
      metrics: StatsSource;
    }
  | {
      /** Counters of a daemon without a metric list yet: /stats as is, /metrics as untyped gauges. */
      stats(): StatsSnapshot;
    }
);

/** A daemon built but not started, so `[stats]` (with /readyz saying "not yet") answers while it starts. */
export type StartableDaemon = DaemonHandle & {
  /** Resolves once the daemon serves; close() makes it settle. */
  start(): Promise<unknown>;
};

interface RunDaemonCommon {
  /** Daemon name: the logger's `name` and the legacy metric prefix (`lars_<name>`). */
  name: string;
  /**
   * The daemon's package.json: `new URL('../package.json', import.meta.url)`
   * from main.ts (the same file from src/ and dist/). Its bin name and
   * version are what `--help` and `--version` print.
   */
  packageJson: URL;
  /** INI file when neither the command line nor LARS_CONF names one (`conf/lars_<name>.conf`). */
  defaultConfigFile: string;
  /** The command line without node and the script; process.argv.slice(2) by default. */
  argv?: readonly string[];
  /** `[stats] port` when the file does not set it; 0 turns the endpoint off. */
  defaultStatsPort: number;
  /** How long SIGINT/SIGTERM waits for close() before exiting anyway. */
  shutdownTimeoutMs?: number;
}

export type RunDaemonOptions = RunDaemonCommon &
  (
    | {
        /** Starts the daemon; `[stats]` listens once it resolves. */
        start(config: Config, logger: Logger): Promise<DaemonHandle>;
        create?: never;
      }
    | {
        /**
         * Builds the daemon; `[stats]` listens at once (so /healthz and
         * /readyz answer while it waits for MySQL), then runDaemon starts it.
         */
        create(config: Config, logger: Logger): StartableDaemon;
        start?: never;
      }
  );

/**
 * The shell every daemon runs in (docs/architecture.md, "Common to all three"): reads
 * the command line (daemon-args.ts: `--help` and `--version` print and exit
 * 0, a bad argument prints the usage and exits 2), loads the config (a bad
 * file or value is a clear startup error, exit 1), starts the daemon, serves
 * `[stats]` (`ip`, loopback by default; `port = 0` off), and on SIGINT/SIGTERM closes everything within a
 * bounded time and exits 0.
 */
export async function runDaemon(options: RunDaemonOptions): Promise<void> {
  let info: DaemonPackageInfo;
  try {
    info = readDaemonPackageInfo(options.packageJson);
  } catch (err) {
    process.stderr.write(`lars-${options.name}: ${(err as Error).message}\n`);
    process.exitCode = DaemonExit.FAILED;
    return;
  }
  const args = parseDaemonArgs(options.argv ?? process.argv.slice(2), process.env, options.defaultConfigFile);
  // `lars-dns --help | head -1` must not print a stack trace. Only here: a running daemon whose
  // stdout goes away must not exit 0 quietly (systemd would not restart it).
  if (args.kind !== 'run') exitQuietlyOnEpipe(process.stdout);
  switch (args.kind) {
    case 'help':
      process.stdout.write(daemonUsage(info, options.defaultConfigFile));
      return;
    case 'version':
      process.stdout.write(`${info.program} ${info.version}\n`);
      return;
    case 'usage-error':
      process.stderr.write(`${info.program}: ${args.message}\n${daemonUsage(info, options.defaultConfigFile)}`);
      process.exitCode = DaemonExit.USAGE;
      return;
    case 'run':
      break;
  }

  let logger: Logger;
  try {
    logger = createLogger({ name: `lars-${options.name}` });
  } catch (err) {
    process.stderr.write(`${info.program}: cannot set up logging: ${(err as Error).message}\n`);
    process.exitCode = DaemonExit.FAILED;
    return;
  }
  const shutdownTimeoutMs = options.shutdownTimeoutMs ?? 10_000;
  let handle: DaemonHandle | null = null;
  let stats: StatsHttpServer | null = null;
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error({ shutdownTimeoutMs }, 'shutdown timed out; exiting');
      process.exit(DaemonExit.FAILED);
    }, shutdownTimeoutMs);
    timer.unref();
    void Promise.all([handle?.close(), stats?.close()])
      .then(() => {
        logger.info('stopped');
        process.exit(DaemonExit.OK);
      })
      .catch((err: unknown) => {
        logger.error({ err }, 'error while shutting down');
        process.exit(DaemonExit.FAILED);
      });
  };
  const handleSignals = (): void => {
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
  };
  try {
    const config = Config.load(args.configFile);
    const { port: statsPort, host: statsHost } = statsEndpointFromConfig(config, options.defaultStatsPort);
    logger.info({ version: info.version, config: args.configFile }, `${info.program} starting`);
    const serveStats = async (h: DaemonHandle): Promise<StatsHttpServer | null> => {
      if (statsPort === 0) return null;
      const source = 'metrics' in h ? h.metrics : legacyStatsSource(() => h.stats(), `lars_${options.name}`);
      const server = new StatsHttpServer(source, { host: statsHost, port: statsPort, health: h.health, logger });
      await server.listen();
      return server;
    };
    if (options.create !== undefined) {
      const daemon = options.create(config, logger);
      handle = daemon;
      stats = await serveStats(daemon);
      // A signal while the daemon waits for MySQL stops it cleanly too.
      handleSignals();
      await daemon.start();
    } else {
      handle = await options.start(config, logger);
      stats = await serveStats(handle);
      handleSignals();
    }
  } catch (err) {
    // close() on a signal makes a pending start() fail: that is the shutdown, not a start failure.
    if (stopping) return;
    logger.fatal({ err }, `${options.name} failed to start: ${(err as Error).message}`);
    logger.flush?.();
    process.exitCode = DaemonExit.FAILED;
    setTimeout(() => process.exit(DaemonExit.FAILED), 100).unref();
    return;
  }
}
