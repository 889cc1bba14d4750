import { Config } from './config.js';
import { createLogger, type Logger } from './logger.js';
import { StatsHttpServer, type StatsSnapshot } from './stats-http.js';

/** What a daemon's start function hands back. */
export interface DaemonHandle {
  /** Stop accepting, flush what is queued, close connections. */
  close(): Promise<void>;
  /** Counters for the `[stats]` endpoint. */
  stats(): StatsSnapshot;
}

export interface RunDaemonOptions {
  /** Daemon name: the logger's `name` and the metric prefix (`lars_<name>`). */
  name: string;
  /** INI file to load (`conf/lars_<name>.conf`). */
  configFile: string;
  /** `[stats] port` when the file does not set it; 0 turns the endpoint off. */
  defaultStatsPort: number;
  /** How long SIGINT/SIGTERM waits for close() before exiting anyway. */
  shutdownTimeoutMs?: number;
  start(config: Config, logger: Logger): Promise<DaemonHandle>;
}

/**
 * The shell every daemon runs in (daemons.md, "Common to all three"): loads
 * the config (a bad file or value is a clear startup error, exit 1), starts
 * the daemon, serves `[stats]` on loopback, and on SIGINT/SIGTERM closes
 * everything within a bounded time and exits 0.
 */
export async function runDaemon(options: RunDaemonOptions): Promise<void> {
  const logger = createLogger({ name: `lars-${options.name}` });
  const shutdownTimeoutMs = options.shutdownTimeoutMs ?? 10_000;
  let handle: DaemonHandle;
  let stats: StatsHttpServer | null = null;
  try {
    const config = Config.load(options.configFile);
    const statsPort = config.getNumber('stats', 'port', options.defaultStatsPort);
    const statsHost = config.getString('stats', 'ip', '127.0.0.1');
    handle = await options.start(config, logger);
    if (statsPort !== 0) {
      stats = new StatsHttpServer(() => handle.stats(), {
        host: statsHost,
        port: statsPort,
        prefix: `lars_${options.name}`,
        logger,
      });
      await stats.listen();
    }
  } catch (err) {
    logger.fatal({ err }, `${options.name} failed to start: ${(err as Error).message}`);
    logger.flush?.();
    process.exitCode = 1;
    setTimeout(() => process.exit(1), 100).unref();
    return;
  }

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error({ shutdownTimeoutMs }, 'shutdown timed out; exiting');
      process.exit(1);
    }, shutdownTimeoutMs);
    timer.unref();
    void Promise.all([handle.close(), stats?.close()])
      .then(() => {
        logger.info('stopped');
        process.exit(0);
      })
      .catch((err: unknown) => {
        logger.error({ err }, 'error while shutting down');
        process.exit(1);
      });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}
