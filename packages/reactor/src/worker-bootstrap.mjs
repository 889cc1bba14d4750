// Entry of every worker thread spawnWorker starts (see worker-spawn.ts).
// 1. It replaces the envelope built by spawnWorker by the caller's own
//    workerData, so the entry reads `workerData` as if started directly.
// 2. Run from source (a TypeScript entry, or this package's own .ts modules)
//    it registers tsx: Node 20 workers do not inherit the tsx loader of their
//    parent, and `--import tsx` in execArgv does not take there; registering
//    it from inside the worker does. Built `.js` loads no tsx (production
//    installs do not have it).
// 3. It hands the logging settings to worker-logger (for workerLogger()).
// 4. It imports the entry.
// `pnpm build` copies this file into dist/ (scripts/build-assets.mjs).
import { createRequire, syncBuiltinESMExports } from 'node:module';

const workerThreads = createRequire(import.meta.url)('node:worker_threads');
const envelope = workerThreads.workerData;
workerThreads.workerData = envelope.workerData;
syncBuiltinESMExports();

if (envelope.registerTsx) {
  const { register } = await import('tsx/esm/api');
  register();
}
const { adoptWorkerLogSettings } = await import(envelope.logModule);
adoptWorkerLogSettings(envelope.log);
await import(envelope.larsEntry);
