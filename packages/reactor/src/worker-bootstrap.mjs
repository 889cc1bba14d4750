// Entry of every worker thread whose module is TypeScript (see worker-spawn.ts).
// Node 20 workers do not inherit the tsx loader of their parent, and
// `--import tsx` in execArgv does not take there; registering the loader
// from inside the worker does. The envelope built by spawnWorker is replaced
// by the caller's own workerData before the entry module runs, so the
// entry reads `workerData` as if it had been started directly.
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { register } from 'tsx/esm/api';

const workerThreads = createRequire(import.meta.url)('node:worker_threads');
const envelope = workerThreads.workerData;
workerThreads.workerData = envelope.workerData;
syncBuiltinESMExports();

register();
await import(envelope.larsEntry);
