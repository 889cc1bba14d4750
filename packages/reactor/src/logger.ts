import { createRequire } from 'node:module';
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { ErrorCode, LarsError } from '@lars/wire';
import { ROTATING_FILE_DEFAULTS, RotatingFile } from './rotating-file.js';

export type { Logger } from 'pino';

/** pino's levels, most severe first, then `silent`: every value LARS_LOG_LEVEL and `level` accept. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Keys that hold a secret wherever they appear: MysqlSettings.password, the
 * `[mysql] db_passwd` config key, a `passwd` field. Redacted at the top level
 * and in objects up to two deep (`{ mysql: settings }`,
 * `{ err: { config: { password } } }`), on every line of every thread.
 */
const SECRET_KEYS = ['password', 'passwd', 'db_passwd'] as const;
export const REDACT_PATHS: readonly string[] = SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]);
export const REDACTED = '[Redacted]';

export interface LoggerFactoryOptions {
  /** Daemon or tool name, written as `name` on every line. */
  name?: string;
  /** pino level (one of LOG_LEVELS); `LARS_LOG_LEVEL` in the environment wins over it. */
  level?: string;
  /**
   * Pretty-print for humans. Defaults to true when stdout is a terminal and
   * pino-pretty is installed (a development dependency). Never for a file.
   */
  pretty?: boolean;
  /**
   * Write JSON lines to this file, size-capped and rotated (rotating-file.ts),
   * instead of stdout; `LARS_LOG_FILE` wins. run_lars.sh start sets it.
   */
  file?: string;
  /** The file's cap in bytes; `LARS_LOG_MAX_BYTES` wins. */
  maxBytes?: number;
  /** Rotated files kept; `LARS_LOG_KEEP` wins. */
  keep?: number;
  /**
   * Write the JSON lines (one per write() call) here instead of stdout or a
   * file, whatever the environment says: how a test captures what a daemon logs.
   */
  destination?: DestinationStream;
  /** Where the LARS_LOG_* variables are read; process.env by default. */
  env?: NodeJS.ProcessEnv;
}

const DEFAULTS = {
  name: 'lars',
  level: 'info',
  maxBytes: ROTATING_FILE_DEFAULTS.maxBytes,
  keep: ROTATING_FILE_DEFAULTS.keep,
} as const;

const DIGITS = /^\d+$/;

function envInteger(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = DIGITS.test(raw) ? Number(raw) : Number.NaN;
  if (!(Number.isSafeInteger(n) && n >= min)) {
    throw new LarsError(ErrorCode.BAD_OPTION, `${name} must be an integer >= ${min}, got ${JSON.stringify(raw)}`);
  }
  return n;
}

/** `value` as a LogLevel, else LARS_BAD_OPTION naming `source` and the levels allowed. */
export function parseLogLevel(value: string, source: string): LogLevel {
  if ((LOG_LEVELS as readonly string[]).includes(value)) return value as LogLevel;
  throw new LarsError(
    ErrorCode.BAD_OPTION,
    `${source} must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(value)}`,
  );
}

/** What every Lars logger is made with, on the main thread and in workers alike. */
export function baseLoggerOptions(name: string, level: LogLevel): LoggerOptions {
  return { name, level, redact: { paths: [...REDACT_PATHS], censor: REDACTED } };
}

/** pino-pretty's entry when it is installed; undefined when it is not (production installs). */
function prettyTarget(): string | undefined {
  try {
    return createRequire(import.meta.url).resolve('pino-pretty');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') return undefined;
    throw err;
  }
}

/**
 * One logger per daemon; components take `logger.child({ component })`, and
 * the daemon's worker threads get theirs from workerLogger() (worker-logger.ts),
 * writing through this logger's destination.
 * JSON lines unless stdout is a terminal (then pino-pretty, when available);
 * with a file (LARS_LOG_FILE), JSON lines into that rotated file. The file
 * stays open for the life of the process (every write is synchronous, so
 * nothing is lost when it exits). A bad LARS_LOG_* value is LARS_BAD_OPTION.
 * Secrets (REDACT_PATHS) are written as `[Redacted]`.
 */
export function createLogger(options: LoggerFactoryOptions = {}): Logger {
  const env = options.env ?? process.env;
  const fromEnv = env.LARS_LOG_LEVEL !== undefined && env.LARS_LOG_LEVEL !== '';
  const level = fromEnv
    ? parseLogLevel(env.LARS_LOG_LEVEL as string, 'LARS_LOG_LEVEL')
    : parseLogLevel(options.level ?? DEFAULTS.level, 'level');
  const base = baseLoggerOptions(options.name ?? DEFAULTS.name, level);
  if (options.destination !== undefined) return pino(base, options.destination);
  const file = env.LARS_LOG_FILE !== undefined && env.LARS_LOG_FILE !== '' ? env.LARS_LOG_FILE : options.file;
  if (file !== undefined) {
    const destination = new RotatingFile({
      path: file,
      maxBytes: envInteger(env, 'LARS_LOG_MAX_BYTES', options.maxBytes ?? DEFAULTS.maxBytes, 1),
      keep: envInteger(env, 'LARS_LOG_KEEP', options.keep ?? DEFAULTS.keep, 0),
    });
    return pino(base, destination);
  }
  const target = (options.pretty ?? process.stdout.isTTY === true) ? prettyTarget() : undefined;
  if (target !== undefined) return pino({ ...base, transport: { target, options: { colorize: true } } });
  return pino(base);
}

/** A logger that writes nothing: the default for library objects given none. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
