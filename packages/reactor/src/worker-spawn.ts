import { basename } from 'node:path';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { checkOption } from '@lars/wire';
import type { Logger } from './logger.js';
import { workerLogChannel, type WorkerLogBindings, type WorkerLogSettings } from './worker-logger.js';

const BOOTSTRAP = new URL('./worker-bootstrap.mjs', import.meta.url);
const TS_ENTRY = /\.[cm]?ts$/;

/** What worker-bootstrap.mjs receives as workerData. */
export interface WorkerEnvelope {
  /** file: URL of the module to run. */
  larsEntry: string;
  /** The entry or logModule is TypeScript (run from source): register tsx in the worker first. */
  registerTsx: boolean;
  /** The caller's workerData, restored as the worker's `workerData` before the entry runs. */
  workerData: unknown;
  /** file: URL of worker-logger beside this module (.ts or .js), which receives `log`. */
  logModule: string;
  log: WorkerLogSettings;
}

export interface SpawnWorkerOptions extends WorkerOptions {
  /**
   * The parent's logger: the worker's workerLogger() gets its level and name
   * and writes through its destination. Without one the worker logs nothing.
   */
  logger?: Logger;
  /** Bound on every line of the worker's logger; `component` defaults to the entry's file name without extension. */
  logBindings?: WorkerLogBindings;
}

/** `agent-worker` for `.../agent-worker.ts`: a worker's default `component`. */
export function entryName(entry: URL): string {
  return basename(entry.pathname).replace(/\.[^.]*$/, '');
}

/**
 * Starts a worker thread on `entry` (a file: URL) through
 * worker-bootstrap.mjs, which registers tsx in the worker first when running
 * from source (a built `.js` entry from a built parent loads no tsx) and sets up
 * the worker's logger (worker-logger.ts). Either way the entry sees
 * `options.workerData` unchanged as its `workerData`.
 */
export function spawnWorker(entry: URL, options: SpawnWorkerOptions = {}): Worker {
  checkOption(entry.protocol === 'file:', 'entry', 'must be a file: URL');
  const { logger, logBindings, ...workerOptions } = options;
  const channel = workerLogChannel(logger, { component: entryName(entry), ...logBindings });
  const logModule = siblingModule('worker-logger', import.meta.url);
  const envelope: WorkerEnvelope = {
    larsEntry: entry.href,
    registerTsx: TS_ENTRY.test(entry.pathname) || TS_ENTRY.test(logModule.pathname),
    workerData: options.workerData,
    logModule: logModule.href,
    log: channel.settings,
  };
  const worker = new Worker(BOOTSTRAP, {
    ...workerOptions,
    workerData: envelope,
    transferList: [...(options.transferList ?? []), ...channel.transfer],
  });
  // Registered before the caller's listeners, so the worker's last lines are written before anyone hears it exited.
  worker.once('exit', channel.drain);
  return worker;
}

/**
 * The URL of the module `name` (no extension) beside `from` (a module's
 * `import.meta.url`): `name.ts` when `from` is TypeScript run from source,
 * `name.js` when it was built, so a worker entry resolves in both layouts.
 */
export function siblingModule(name: string, from: string): URL {
  return new URL(`./${name}${TS_ENTRY.test(from) ? '.ts' : '.js'}`, from);
}
