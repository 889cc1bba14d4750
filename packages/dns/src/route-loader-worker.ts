// The DNS's loader thread: all MySQL work of the backend loop runs here, so
// reading and building a large table never stalls the serving thread. It
// answers each CheckRequest with one CheckReply. Its only state is its
// connection and its cursor over RouteChange (change-cursor.ts); main owns
// the served table and sends it with each request, so a restarted loader
// starts with a full load compared against what main serves.
//
// A round: one primary-key read of RouteVersion (and MySQL's clock); in a
// round that has nothing else to do, one statement that waits in MySQL up
// to the check interval for the version to move (waitRouteVersion), so a
// commit is seen within [dns] version_poll (10 ms) instead of at the next
// round. When
// the version moved, the RouteChange rows from the cursor up to it name the
// changed routes, and only those routes' rows are read and patched into the
// served table (an incremental load). A full load instead (the whole of
// RouteData, then the routes that differ from the served table are pushed):
// the first round, a forced reload, a cursor that rows it has not read may
// have been swept past, and a version that moved with no RouteChange row (a
// tool that bumps RouteVersion alone).
//
// It logs through its own workerLogger() (component route-loader-worker):
// each failed round with the MySQL code and errno, at most once per code per
// WARN_INTERVAL_MS (main logs each change of MySQL's state, from the error
// fields each failed reply carries: mysql-state-log.ts), each load at debug.
import { parentPort, workerData } from 'node:worker_threads';
import type { Connection } from 'mysql2/promise';
import { Heartbeat, workerLogger } from '@lars/reactor';
import { MysqlLink, mysqlErrorFields, throttledMysqlError } from '@lars/store';
import { LogThrottle } from '@lars/wire';
import { ChangeCursor } from './change-cursor.js';
import type { CheckReply, CheckRequest, LoaderWorkerData } from './route-loader-protocol.js';
import { buildRouteTable, changedRoutes, patchRouteTable, RouteTable, type RoutePatch } from './route-table.js';
import {
  loadRouteRows,
  loadRouteRowsOf,
  readRouteChanges,
  isNoCompoundStatements,
  readRouteVersion,
  sweepRouteChanges,
  waitRouteVersion,
  type LoadedRoutes,
  type RouteKey,
  type RouteRow,
} from './route-store.js';

const { mysql, connectTimeoutMs, heartbeat, heartbeatIntervalMs, changeRetentionS, sweepIntervalMs, versionWait } =
  workerData as LoaderWorkerData;
const port = parentPort!;
const log = workerLogger();
const link = new MysqlLink(mysql, connectTimeoutMs, undefined, { logger: log });
const WARN_INTERVAL_MS = 10_000;
const throttle = new LogThrottle(WARN_INTERVAL_MS);
/** Rows per sweep DELETE, and DELETEs per sweep: a backlog is worked off over several sweeps. */
const SWEEP_BATCH_ROWS = 1000;
const SWEEP_MAX_BATCHES = 10;
const ER_BAD_FIELD_ERROR = 1054;
// Half the retention: rows the cursor has not read are inserted after it last moved, so none is swept before then.
const cursor = new ChangeCursor(changeRetentionS / 2);
let nextSweepAt = 0;
/** How rounds wait in MySQL; null (version_poll = 0, or a server that turned waitRouteVersion down): each round reads once. */
let wait = versionWait;
// Unref'ed: beats while the thread runs, never keeps it alive.
new Heartbeat(heartbeat, heartbeatIntervalMs).start();

function check(req: CheckRequest): Promise<CheckReply> {
  return link.use(async (c) => {
    const { version, nowS, waited } = await readVersion(c, req);
    const swept = await sweep(c);
    const stale = req.knownVersion === null || cursor.current !== req.knownVersion || cursor.needsFullLoad(nowS);
    if (!stale && version === req.knownVersion && req.fullLoad === 'no') {
      cursor.confirm(nowS);
      return { type: 'unchanged', seq: req.seq, version, swept, waited };
    }
    const t0 = performance.now();
    if (!stale && version !== req.knownVersion && req.fullLoad !== 'now') {
      const rows = await readRouteChanges(c, cursor.current as number, version);
      const keys = cursor.pending(rows);
      if (keys.length > 0) {
        const loaded = await loadRouteRowsOf(c, keys);
        const selectMs = performance.now() - t0;
        warnUnflagged(loaded);
        const table = patchRouteTable(new RouteTable(req.table), patchesOf(keys, loaded));
        cursor.advance(version, nowS, rows);
        return {
          ...table,
          ...loadedFields(req, version, loaded, keys, swept, waited),
          full: false,
          selectMs,
          loadMs: performance.now() - t0,
        };
      }
    }
    const loaded = await loadRouteRows(c);
    const selectMs = performance.now() - t0;
    warnUnflagged(loaded);
    const table = buildRouteTable(loaded.rows);
    // The first table is answered to the held requests, not pushed.
    const changes =
      req.knownVersion === null ? [] : changedRoutes(new RouteTable(req.table), new RouteTable(table.buffer));
    cursor.reset(version, nowS);
    return {
      ...table,
      ...loadedFields(req, version, loaded, changes, swept, waited),
      full: true,
      selectMs,
      loadMs: performance.now() - t0,
    };
  });
}

/** What a `loaded` reply says beyond its table and timings, the same for both kinds of load. */
function loadedFields(
  req: CheckRequest,
  version: number,
  loaded: LoadedRoutes,
  changes: RouteKey[],
  swept: number,
  waited: boolean,
) {
  return { type: 'loaded', seq: req.seq, version, disabled: loaded.disabled, changes, swept, waited } as const;
}

/**
 * RouteVersion for the round: waited for in MySQL when the round would
 * otherwise end unchanged (a table served, the cursor at its version, no
 * reload due), else read once.
 */
async function readVersion(
  c: Connection,
  req: CheckRequest,
): Promise<{ version: number; nowS: number; waited: boolean }> {
  const known = req.knownVersion;
  if (wait !== null && known !== null && cursor.current === known && req.fullLoad === 'no') {
    try {
      return { ...(await waitRouteVersion(c, known, wait.waitMs, wait.pollMs)), waited: true };
    } catch (err) {
      if (!isNoCompoundStatements(err)) throw err;
      wait = null;
      log.info(
        { err: mysqlErrorFields(err) },
        'MySQL has no anonymous compound statements (BEGIN NOT ATOMIC): RouteVersion is read once per check_interval',
      );
    }
  }
  return { ...(await readRouteVersion(c)), waited: false };
}

/** One patch per changed key: its rows from the incremental load (none: the route is gone). */
function patchesOf(keys: readonly RouteKey[], loaded: LoadedRoutes): RoutePatch[] {
  const byKey = new Map<string, { modid: number; cmdid: number; rows: RouteRow[] }>();
  for (const { modid, cmdid } of keys) byKey.set(`${modid}:${cmdid}`, { modid, cmdid, rows: [] });
  for (const r of loaded.rows) byKey.get(`${r.modid}:${r.cmdid}`)?.rows.push(r);
  return [...byKey.values()];
}

function warnUnflagged(loaded: LoadedRoutes): void {
  if (loaded.flagged) return;
  // Each round says so (throttled): the DNS still serves, but cannot drain a host until the schema is migrated.
  const suppressed = throttle.take('no-disabled-column');
  if (suppressed >= 0)
    log.warn(
      { suppressed },
      'RouteData has no disabled column (schema before migration 0002): serving every host; run ./run_lars.sh db migrate',
    );
}

/**
 * Every sweepIntervalMs, deletes RouteChange rows past the retention. A
 * failed sweep is logged (throttled) and does not fail the round: two DNS
 * sweeping one Galera cluster at once may lose a certification conflict
 * (1213), and the next sweep deletes what this one left.
 */
async function sweep(c: Connection): Promise<number> {
  const now = Date.now();
  if (now < nextSweepAt) return 0;
  nextSweepAt = now + sweepIntervalMs;
  try {
    return await sweepRouteChanges(c, changeRetentionS, SWEEP_BATCH_ROWS, SWEEP_MAX_BATCHES);
  } catch (err) {
    const noColumn = (err as { errno?: unknown }).errno === ER_BAD_FIELD_ERROR;
    const fields = throttledMysqlError(err, throttle);
    if (fields !== null)
      log.warn(
        fields,
        noColumn
          ? 'RouteChange has no ctime column (schema before migration 0005): not sweeping it; run ./run_lars.sh db migrate'
          : 'RouteChange sweep failed; the next sweep retries',
      );
    return 0;
  }
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
        const { version, routes, hosts, disabled, full, selectMs, loadMs } = reply;
        log.debug({ version, routes, hosts, disabled, full, selectMs, loadMs }, 'route table built');
      }
      port.postMessage(reply);
    },
    (err: unknown) => port.postMessage(failed(req, err)),
  );
});
