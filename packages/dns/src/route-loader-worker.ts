// The DNS's loader thread: all MySQL work of the backend loop runs here, so
// reading and building a large table never stalls the serving thread. It
// answers each CheckRequest with one CheckReply and keeps no state beyond
// its connection (main owns the served version). It logs through its own
// workerLogger() (component route-loader-worker): each failed round with the
// MySQL code and errno, at most once per code per WARN_INTERVAL_MS (main logs
// each change of MySQL's state, from the error fields each failed reply
// carries: mysql-state-log.ts), each load at debug.
import { parentPort, workerData } from 'node:worker_threads';
import { Heartbeat, workerLogger } from '@lars/reactor';
import { MysqlLink, mysqlErrorFields, throttledMysqlError } from '@lars/store';
import { LogThrottle } from '@lars/wire';
import type { CheckReply, CheckRequest, LoaderWorkerData } from './route-loader-protocol.js';
import { buildRouteTable } from './route-table.js';
import {
  clearRouteChanges,
  deleteRouteChanges,
  loadRouteRows,
  readRouteChanges,
  readRouteVersion,
} from './route-store.js';

const { mysql, connectTimeoutMs, heartbeat, heartbeatIntervalMs } = workerData as LoaderWorkerData;
const port = parentPort!;
const link = new MysqlLink(mysql, connectTimeoutMs);
const log = workerLogger();
const WARN_INTERVAL_MS = 10_000;
const throttle = new LogThrottle(WARN_INTERVAL_MS);
// Unref'ed: beats while the thread runs, never keeps it alive.
new Heartbeat(heartbeat, heartbeatIntervalMs).start();

function check(req: CheckRequest): Promise<CheckReply> {
  return link.use(async (c) => {
    if (req.startup) await clearRouteChanges(c);
    const version = await readRouteVersion(c);
    if (!req.force && version === req.knownVersion) return { type: 'unchanged', seq: req.seq, version };
    const t0 = performance.now();
    const { rows, disabled, flagged } = await loadRouteRows(c);
    const selectMs = performance.now() - t0;
    if (!flagged) {
      // Each round says so (throttled): the DNS still serves, but cannot drain a host until the schema is migrated.
      const suppressed = throttle.take('no-disabled-column');
      if (suppressed >= 0)
        log.warn(
          { suppressed },
          'RouteData has no disabled column (schema before migration 0002): serving every host; run ./run_lars.sh db migrate',
        );
    }
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
      disabled,
      truncated: table.truncated,
      changes: pending.keys,
      selectMs,
      loadMs: performance.now() - t0,
    };
  });
}

function failed(req: CheckRequest, err: unknown): CheckReply {
  const fields = throttledMysqlError(err, throttle);
  if (fields !== null) log.warn({ ...fields, seq: req.seq }, 'route load round failed');
  const what = mysqlErrorFields(err);
  return { type: 'failed', seq: req.seq, error: what.message, mysql: what };
}

port.on('message', (req: CheckRequest) => {
  check(req).then(
    (reply) => {
      if (reply.type === 'loaded') {
        const { version, routes, hosts, disabled, selectMs, loadMs } = reply;
        log.debug({ version, routes, hosts, disabled, selectMs, loadMs }, 'route table built');
      }
      port.postMessage(reply);
    },
    (err: unknown) => port.postMessage(failed(req, err)),
  );
});
