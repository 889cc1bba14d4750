/**
 * The logging surface the wire classes need: a structural subset of pino's
 * Logger, so a daemon passes its pino logger unchanged while the SDK, which
 * must not pull pino in, runs with the silent one below.
 */
export interface WireLogger {
  child(bindings: Record<string, unknown>): WireLogger;
  error(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

const noop = (): void => undefined;

const SILENT: WireLogger = {
  child: () => SILENT,
  error: noop,
  warn: noop,
  info: noop,
  debug: noop,
};

/** A logger that writes nothing: the default for wire objects given none. */
export function silentWireLogger(): WireLogger {
  return SILENT;
}
