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
  start(config: Config, logger: Logger): Promise<DaemonHandle>;
}

/**
 * The shell every daemon runs in (docs/architecture.md, "Common to all three"): reads
 * the command line (daemon-args.ts: `--help` and `--version` print and exit
 * 0, a bad argument prints the usage and exits 2), loads the config (a bad
 * file or value is a clear startup error, exit 1), starts the daemon, serves
 * `[stats]` on loopback, and on SIGINT/SIGTERM closes everything within a
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
  let handle: DaemonHandle;
  let stats: StatsHttpServer | null = null;
  try {
    const config = Config.load(args.configFile);
    const statsPort = config.getNumber('stats', 'port', options.defaultStatsPort);
    const statsHost = config.getString('stats', 'ip', '127.0.0.1');
    logger.info({ version: info.version, config: args.configFile }, `${info.program} starting`);
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
    process.exitCode = DaemonExit.FAILED;
    setTimeout(() => process.exit(DaemonExit.FAILED), 100).unref();
    return;
  }

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
    void Promise.all([handle.close(), stats?.close()])
      .then(() => {
        logger.info('stopped');
        process.exit(DaemonExit.OK);
      })
      .catch((err: unknown) => {
        logger.error({ err }, 'error while shutting down');
        process.exit(DaemonExit.FAILED);
      });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}
