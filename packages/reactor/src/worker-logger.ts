// Logging from worker threads. A worker started by spawnWorker (so every
// ThreadPool worker) calls workerLogger() and gets a pino logger with the
// parent's level and name, the redaction of every Lars logger, and the
// bindings its parent gave it (`component`; `worker` = the pool index in a
// ThreadPool).
//
// Where its lines go: to the MAIN thread's destination, written by the main
// thread. The worker's pino writes each serialized line to a destination that
// posts it, whole, on a MessagePort made for this worker; the main thread
// writes every line it receives through its own logger's stream
// (pino.symbols.streamSym). So one thread writes each destination, whatever it
// is: stdout, the size-capped RotatingFile of LARS_LOG_FILE (whose size
// accounting and renames must have a single owner), pino-pretty's transport,
// or a test's array. Lines cannot interleave mid-line (each is one write()
// call of one writer), and no worker needs a transport thread of its own.
// Writing fd 1 from each worker directly would have been cheaper, but only
// correct for stdout, and a line past PIPE_BUF could still interleave there.
// The cost is one structured clone of a string per line: logs are rare, and
// warnings a peer or MySQL can trigger at will are throttled (LogThrottle).
//
// A line a worker wrote before it exited is never lost: on the worker's 'exit'
// the main thread drains what is still queued on the port synchronously
// (receiveMessageOnPort) before anyone else hears of the exit.
import { isMainThread, MessageChannel, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { pino, symbols, type DestinationStream } from 'pino';
import { checkOption } from '@lars/wire';
import { baseLoggerOptions, type Logger, type LogLevel } from './logger.js';

/** Fields bound on every line of a worker's logger. */
export type WorkerLogBindings = Readonly<Record<string, string | number>>;

/** What a worker needs to build its logger; spawnWorker puts it in the worker's workerData envelope. */
export interface WorkerLogSettings {
  readonly level: LogLevel;
  readonly name: string;
  readonly bindings: WorkerLogBindings;
  /** Where the worker posts its lines (one string per line); absent when the level is silent. */
  readonly port?: MessagePort;
}

/** The main thread's end of one worker's log channel. */
export interface WorkerLogChannel {
  readonly settings: WorkerLogSettings;
  /** For the Worker's transferList (the port the worker writes to). */
  readonly transfer: MessagePort[];
  /** Writes whatever lines are still queued, then closes the port: call once the worker has exited. */
  drain(): void;
}

const FALLBACK_NAME = 'lars';

function streamOf(logger: Logger): DestinationStream {
  return (logger as unknown as Record<symbol, DestinationStream>)[symbols.streamSym];
}

/**
 * Main-thread side: a channel whose lines `parent`'s destination writes.
 * Without a parent logger (or with a silent one) the worker logs nothing and
 * no port is made.
 */
export function workerLogChannel(parent: Logger | undefined, bindings: WorkerLogBindings): WorkerLogChannel {
  const name = parent?.bindings().name;
  const base = { name: typeof name === 'string' ? name : FALLBACK_NAME, bindings };
  if (parent === undefined || parent.level === 'silent') {
    return { settings: { ...base, level: 'silent' }, transfer: [], drain: () => undefined };
  }
  const stream = streamOf(parent);
  const write = (line: unknown): void => {
    try {
      stream.write(String(line));
    } catch (err) {
      // The destination failed (it was closed): the line cannot go anywhere else that is a log.
      process.stderr.write(`worker log line lost: ${(err as Error).message}\n`);
    }
  };
  const { port1, port2 } = new MessageChannel();
  port1.on('message', write);
  // Logging must not keep the process alive; the port closes by itself when the worker is gone.
  port1.unref();
  return {
    settings: { ...base, level: parent.level as LogLevel, port: port2 },
    transfer: [port2],
    drain() {
      for (let m = receiveMessageOnPort(port1); m !== undefined; m = receiveMessageOnPort(port1)) write(m.message);
      port1.close();
    },
  };
}

// Set once per thread, by worker-bootstrap.mjs before the worker's entry runs; read by workerLogger().
let adopted: WorkerLogSettings | null = null;
let logger: Logger | null = null;

/** Called by worker-bootstrap.mjs with the settings spawnWorker sent: not for other callers. */
export function adoptWorkerLogSettings(settings: WorkerLogSettings): void {
  adopted = settings;
}

/**
 * This worker's logger (the same one on every call): the parent's level and
 * name, the bindings spawnWorker was given (`component`, and `worker` in a
 * ThreadPool), lines written by the main thread's destination. Throws
 * LARS_BAD_OPTION in a thread spawnWorker did not start.
 */
export function workerLogger(): Logger {
  if (logger !== null) return logger;
  checkOption(!isMainThread && adopted !== null, 'workerLogger', 'this thread was not started by spawnWorker');
  const { level, name, bindings, port } = adopted as WorkerLogSettings;
  const root =
    port === undefined
      ? pino({ level: 'silent' })
      : pino(baseLoggerOptions(name, level), { write: (line: string) => port.postMessage(line) });
  logger = root.child(bindings);
  return logger;
}
