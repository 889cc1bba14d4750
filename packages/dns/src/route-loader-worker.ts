// The DNS's loader thread: all MySQL work of the backend loop runs here, so
// reading and building a large table never stalls the serving thread. It
// answers each CheckRequest with one CheckReply and keeps no state beyond
// its connection (main owns the served version).
import { parentPort, workerData } from 'node:worker_threads';
import { MysqlLink } from '@lars/store';
import type { CheckReply, CheckRequest, LoaderWorkerData } from './route-loader-protocol.js';
import { buildRouteTable } from './route-table.js';
import {
  clearRouteChanges,
  deleteRouteChanges,
  loadRouteRows,
  readRouteChanges,
  readRouteVersion,
} from './route-store.js';

const { mysql, connectTimeoutMs } = workerData as LoaderWorkerData;
const port = parentPort!;
const link = new MysqlLink(mysql, connectTimeoutMs);

function check(req: CheckRequest): Promise<CheckReply> {
  return link.use(async (c) => {
    if (req.startup) await clearRouteChanges(c);
    const version = await readRouteVersion(c);
    if (!req.force && version === req.knownVersion) return { type: 'unchanged', seq: req.seq, version };
    const t0 = performance.now();
    const rows = await loadRouteRows(c);
    const selectMs = performance.now() - t0;
    const table = buildRouteTable(rows);
    const pending = await readRouteChanges(c, version);
    await deleteRouteChanges(c, pending.ids);
    return {
      type: 'loaded',
      seq: req.seq,
      version,
      buffer: table.buffer,
      routes: table.routes,
      hosts: table.hosts,
      truncated: table.truncated,
      changes: pending.keys,
      selectMs,
      loadMs: performance.now() - t0,
    };
  });
}

port.on('message', (req: CheckRequest) => {
  check(req).then(
    (reply) => port.postMessage(reply),
    (err: Error) => port.postMessage({ type: 'failed', seq: req.seq, error: err.message } satisfies CheckReply),
  );
});
