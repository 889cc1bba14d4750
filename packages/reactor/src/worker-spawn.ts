import { Worker, type WorkerOptions } from 'node:worker_threads';
import { checkOption } from '@lars/wire';

const BOOTSTRAP = new URL('./worker-bootstrap.mjs', import.meta.url);
const TS_ENTRY = /\.[cm]?ts$/;

/** What worker-bootstrap.mjs receives as workerData for a TypeScript entry. */
export interface WorkerEnvelope {
  /** file: URL of the TypeScript module to run. */
  larsEntry: string;
  /** The caller's workerData, restored as the worker's `workerData` before the entry runs. */
  workerData: unknown;
}

/**
 * Starts a worker thread on `entry` (a file: URL). A `.ts` entry runs through
 * worker-bootstrap.mjs, which registers tsx in the worker first; `.js`/`.mjs`
 * entries start directly. Either way the entry sees `options.workerData`
 * unchanged as its `workerData`.
 */
export function spawnWorker(entry: URL, options: WorkerOptions = {}): Worker {
  checkOption(entry.protocol === 'file:', 'entry', 'must be a file: URL');
  if (!TS_ENTRY.test(entry.pathname)) return new Worker(entry, options);
  const envelope: WorkerEnvelope = { larsEntry: entry.href, workerData: options.workerData };
  return new Worker(BOOTSTRAP, { ...options, workerData: envelope });
}

/**
 * The URL of the module `name` (no extension) beside `from` (a module's
 * `import.meta.url`): `name.ts` when `from` is TypeScript run from source,
 * `name.js` when it was built, so a worker entry resolves in both layouts.
 */
export function siblingModule(name: string, from: string): URL {
  return new URL(`./${name}${TS_ENTRY.test(from) ? '.ts' : '.js'}`, from);
}
