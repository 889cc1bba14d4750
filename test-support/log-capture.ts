// A daemon logger whose lines a test reads: createLogger (so the daemons'
// level handling and redaction apply) writing each JSON line into an array,
// worker threads' lines included (they are written by the main thread).
import { createLogger, type Logger, type LoggerFactoryOptions } from '@lars/reactor';

/** One parsed log line. */
export type LogLine = Record<string, unknown> & { level: number; msg?: string };

export interface LogCapture {
  readonly logger: Logger;
  /** Every line so far, parsed, in the order written. */
  readonly lines: LogLine[];
  /** The lines whose fields include every field of `match` (compared with ===). */
  matching(match: Record<string, unknown>): LogLine[];
}

/** pino's numeric levels, for assertions on `level`. */
export const LEVEL = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 } as const;

export function captureLogs(options: Omit<LoggerFactoryOptions, 'destination'> = {}): LogCapture {
  const lines: LogLine[] = [];
  const logger = createLogger({
    name: 'lars-test',
    env: {},
    ...options,
    destination: { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) },
  });
  return {
    logger,
    lines,
    matching: (match) => lines.filter((l) => Object.entries(match).every(([k, v]) => l[k] === v)),
  };
}
