import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

export interface LoggerFactoryOptions {
  /** Daemon or tool name, written as `name` on every line. */
  name?: string;
  /** pino level; `LARS_LOG_LEVEL` in the environment wins over the default. */
  level?: string;
  /**
   * Pretty-print for humans. Defaults to true when stdout is a terminal and
   * pino-pretty is installed (a development dependency).
   */
  pretty?: boolean;
}

const DEFAULTS = {
  name: 'lars',
  level: 'info',
} as const;

/**
 * One logger per daemon; components take `logger.child({ component })`.
 * JSON lines unless stdout is a terminal (then pino-pretty, when available).
 */
export function createLogger(options: LoggerFactoryOptions = {}): Logger {
  const level = process.env.LARS_LOG_LEVEL ?? options.level ?? DEFAULTS.level;
  const base: LoggerOptions = { name: options.name ?? DEFAULTS.name, level };
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
