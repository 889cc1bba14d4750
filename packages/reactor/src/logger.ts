import { pino, type Logger, type LoggerOptions } from 'pino';
import { ErrorCode, LarsError } from '@lars/wire';
import { ROTATING_FILE_DEFAULTS, RotatingFile } from './rotating-file.js';

export type { Logger } from 'pino';

export interface LoggerFactoryOptions {
  /** Daemon or tool name, written as `name` on every line. */
  name?: string;
  /** pino level; `LARS_LOG_LEVEL` in the environment wins over the default. */
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

/**
 * One logger per daemon; components take `logger.child({ component })`.
 * JSON lines unless stdout is a terminal (then pino-pretty, when available);
 * with a file (LARS_LOG_FILE), JSON lines into that rotated file. The file
 * stays open for the life of the process (every write is synchronous, so
 * nothing is lost when it exits). A bad LARS_LOG_* value is LARS_BAD_OPTION.
 */
export function createLogger(options: LoggerFactoryOptions = {}): Logger {
  const env = options.env ?? process.env;
  const level = env.LARS_LOG_LEVEL ?? options.level ?? DEFAULTS.level;
  const base: LoggerOptions = { name: options.name ?? DEFAULTS.name, level };
  const file = env.LARS_LOG_FILE !== undefined && env.LARS_LOG_FILE !== '' ? env.LARS_LOG_FILE : options.file;
  if (file !== undefined) {
    const destination = new RotatingFile({
      path: file,
      maxBytes: envInteger(env, 'LARS_LOG_MAX_BYTES', options.maxBytes ?? DEFAULTS.maxBytes, 1),
      keep: envInteger(env, 'LARS_LOG_KEEP', options.keep ?? DEFAULTS.keep, 0),
    });
    return pino(base, destination);
  }
  const pretty = options.pretty ?? process.stdout.isTTY === true;
  if (pretty) {
    try {
      return pino({ ...base, transport: { target: 'pino-pretty', options: { colorize: true } } });
    } catch {
      // pino-pretty is a dev dependency: production installs log JSON.
    }
  }
  return pino(base);
}

/** A logger that writes nothing: the default for library objects given none. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
