import type { CallStatusKey, CallStatusRow, RollupRow } from '@lars/store';
import { checkOption } from '@lars/wire';

/**
 * How the rollup counts each call once (docs: the console's call-status
 * chart; issue 12). A snapshot of one stream, (route, host, caller), carries
 * the host's counts since the agent's last window reset (rsucc, rerr), its
 * overload flag and `ts`, the agent's unix seconds. Within one window the
 * counts only grow; a reset (idle window closing, set_overload, set_idle,
 * the host leaving the route, the agent restarting) sets them to 0, and the
 * agent sends the snapshot as it stands right before every reset
 * (load-balancing.md), so the last snapshot of each window is its total.
 *
 * Per stream the counter keeps the last snapshot it accepted, L, and the
 * (succ, err, overload) of every snapshot accepted at L's second. For a
 * snapshot n:
 *   1. n equal to one accepted at n.ts == L.ts: a resend, counts nothing.
 *   2. n.ts < L.ts: older than one already counted, counts nothing. A
 *      resend (the agent writes again, in order, what it could not confirm)
 *      is a repeat of snapshots the reporter has seen, so this and rule 1
 *      make any number of resends count once.
 *   3. otherwise n is accepted, becomes L, and counts
 *        n's own counts       when a reset came between (n.succ < L.succ,
 *                             n.err < L.err, or the overload flag changed:
 *                             every idle <-> overload move resets the host);
 *        n - L                otherwise (the calls since L, same window).
 * Calls go to the bucket of the snapshot that first showed them:
 * floor(n.ts / interval) * interval. They add up in memory per (stream,
 * bucket) and are taken (takeRows) every flush interval: one rollup row per
 * stream and bucket per flush, however many snapshots came in between.
 *
 * L survives the writer: a key the writer has not seen (it just started, or
 * the stream moved to it from another writer or reporter instance) starts
 * from its ServerCallStatus row (seed()), which every reporter writes before
 * the rollup and which only moves forward in ts (UPSERT_CALL_STATUS_SQL).
 * So a reporter restart, or an agent resending to another instance, counts
 * from the last snapshot any instance stored, not from the window's start.
 *
 * What this cannot see (the protocol has no sequence number), each bounded
 * by one window's counts and each rare:
 *   - a reset that neither lowers a count nor flips overload (an idle window
 *     closing, then within one report interval at least as many successes
 *     and errors as the whole previous window): counts n - L, not n;
 *   - a snapshot never seen before arriving after a later one of another
 *     window (an instance writing its queue late after a failover, while a
 *     reset happened in between): rule 2 drops its window's remainder; at
 *     an equal ts, rule 3 counts it again as a reset;
 *   - two instances both holding state for one stream within stateTtlMs
 *     (a VIP that sends one stream to both): each counts from its own L.
 *     State unused for stateTtlMs is dropped and re-read from MySQL, which
 *     bounds that window.
 * The agent's clock going back makes its snapshots "older" (rule 2) until
 * it passes L.ts again.
 */
export interface RollupCounterOptions {
  /** Bucket width, seconds (`[reporter] rollup_interval`). */
  intervalS?: number;
  /** A stream unseen this long is forgotten, and re-read from MySQL when it comes back. */
  stateTtlMs?: number;
}

const DEFAULTS = { intervalS: 60, stateTtlMs: 60_000 } as const;

const NO_KEYS: CallStatusKey[] = [];

/** Same-second accepted snapshots remembered per stream (a few per second at most: ticks and resets). */
const SAME_SECOND_MAX = 8;

interface StreamState {
  ts: number;
  succ: number;
  err: number;
  overload: boolean;
  /** No snapshot and no ServerCallStatus row: the first snapshot counts whole. */
  fresh: boolean;
  /** (succ, err, overload as 0/1) of the snapshots accepted at `ts`, flat. */
  sameSecond: number[];
  seenMs: number;
  /** The calls counted into the current bucket and not yet taken (takeRows()). */
  pending: RollupRow | null;
}

/** What the counter decided, per snapshot row (stats and tests). */
export interface RollupCounts {
  accepted: number;
  duplicates: number;
  older: number;
  resets: number;
}

/** A row's or key's first five fields: (modid, cmdid, ip, port, caller). */
type StreamKey = readonly [number, number, number, number, number, ...unknown[]];

/**
 * StreamStates by (route, caller) then host: the rows of one request share
 * their route and caller, so consecutive rows find their host map without
 * building a string; hosts are numbers (ip * 65536 + port) where the port
 * fits 16 bits. This is the rollup's per-row cost, so it allocates nothing
 * for a stream it already holds.
 */
class StreamTable {
  private readonly routes = new Map<string, Map<number | string, StreamState>>();
  private lastModid = Number.NaN;
  private lastCmdid = Number.NaN;
  private lastCaller = Number.NaN;
  private lastHosts: Map<number | string, StreamState> | undefined;
  size = 0;

  get(key: StreamKey): StreamState | undefined {
    return this.hosts(key, false)?.get(hostKey(key));
  }

  set(key: StreamKey, st: StreamState): void {
    const hosts = this.hosts(key, true) as Map<number | string, StreamState>;
    const h = hostKey(key);
    if (!hosts.has(h)) this.size++;
    hosts.set(h, st);
  }

  /** Drops every stream `stale` says so of. */
  deleteWhere(stale: (st: StreamState) => boolean): void {
    for (const [route, hosts] of this.routes) {
      for (const [h, st] of hosts)
        if (stale(st)) {
          hosts.delete(h);
          this.size--;
        }
      if (hosts.size === 0) this.routes.delete(route);
    }
    this.lastHosts = undefined;
    this.lastModid = Number.NaN;
  }

  private hosts(key: StreamKey, create: boolean): Map<number | string, StreamState> | undefined {
    const [modid, cmdid, , , caller] = key;
    if (
      this.lastHosts !== undefined &&
      modid === this.lastModid &&
      cmdid === this.lastCmdid &&
      caller === this.lastCaller
    )
      return this.lastHosts;
    const route = `${modid},${cmdid},${caller}`;
    let hosts = this.routes.get(route);
    if (hosts === undefined) {
      if (!create) return undefined;
      hosts = new Map();
      this.routes.set(route, hosts);
    }
    this.lastModid = modid;
    this.lastCmdid = cmdid;
    this.lastCaller = caller;
    this.lastHosts = hosts;
    return hosts;
  }
}

function hostKey(key: StreamKey): number | string {
  const port = key[3];
  return port <= 0xffff ? key[2] * 65536 + port : `${key[2]}:${port}`;
}

/** Pure logic, no I/O: one per writer (a route's snapshots all go to one writer). */
export class RollupCounter {
  readonly intervalS: number;
  readonly counts: RollupCounts = { accepted: 0, duplicates: 0, older: 0, resets: 0 };
  private readonly stateTtlMs: number;
  private readonly streams = new StreamTable();
  /** Streams with a pending row, each once. */
  private dirty: StreamState[] = [];
  /** Rows of buckets a stream has moved past, not yet taken. */
  private closed: RollupRow[] = [];
  private lastSweepMs = 0;

  constructor(options: RollupCounterOptions = {}) {
    this.intervalS = options.intervalS ?? DEFAULTS.intervalS;
    this.stateTtlMs = options.stateTtlMs ?? DEFAULTS.stateTtlMs;
    checkOption(Number.isInteger(this.intervalS) && this.intervalS >= 1, 'intervalS', 'must be an integer >= 1');
    checkOption(Number.isInteger(this.stateTtlMs) && this.stateTtlMs >= 0, 'stateTtlMs', 'must be an integer >= 0');
  }

  /** Streams held. */
  get size(): number {
    return this.streams.size;
  }

  /** The keys of `rows` the counter holds no state for (read their ServerCallStatus rows, then seed()), each once. */
  missing(rows: readonly CallStatusRow[]): CallStatusKey[] {
    let out: CallStatusKey[] | undefined;
    let asked: Set<string> | undefined;
    for (const row of rows) {
      if (this.streams.get(row) !== undefined) continue;
      out ??= [];
      const k = `${row[0]},${row[1]},${row[2]},${row[3]},${row[4]}`;
      asked ??= new Set();
      if (asked.has(k)) continue;
      asked.add(k);
      out.push([row[0], row[1], row[2], row[3], row[4]]);
    }
    return out ?? NO_KEYS;
  }

  /**
   * Starting points for `keys`: the stored ServerCallStatus row where there
   * is one (`stored`), otherwise a fresh stream.
   */
  seed(keys: readonly CallStatusKey[], stored: readonly CallStatusRow[], nowMs: number): void {
    for (const row of stored) {
      this.streams.set(row, {
        ts: row[7],
        succ: row[5],
        err: row[6],
        overload: row[8] === '1',
        fresh: false,
        sameSecond: [row[5], row[6], row[8] === '1' ? 1 : 0],
        seenMs: nowMs,
        pending: null,
      });
    }
    for (const key of keys) {
      if (this.streams.get(key) !== undefined) continue;
      this.streams.set(key, freshState(nowMs));
    }
  }

  /**
   * Applies `rows` (ServerCallStatus snapshots, in arrival order): the calls
   * each (stream, bucket) gained add up until takeRows(). A stream without
   * state starts fresh (call seed() first to start from MySQL).
   */
  add(rows: readonly CallStatusRow[], nowMs: number): void {
    for (const row of rows) {
      let st = this.streams.get(row);
      if (st === undefined) {
        st = freshState(nowMs);
        this.streams.set(row, st);
      }
      st.seenMs = nowMs;
      const [, , , , , succ, err, ts, flag] = row;
      const overload = flag === '1';
      if (!st.fresh) {
        if (ts < st.ts) {
          this.counts.older++;
          continue;
        }
        if (ts === st.ts && seenAt(st.sameSecond, succ, err, overload)) {
          this.counts.duplicates++;
          continue;
        }
      }
      let dSucc = succ;
      let dErr = err;
      if (st.fresh || succ < st.succ || err < st.err || overload !== st.overload) {
        if (!st.fresh) this.counts.resets++;
      } else {
        dSucc = succ - st.succ;
        dErr = err - st.err;
      }
      this.counts.accepted++;
      if (ts !== st.ts || st.fresh) st.sameSecond.length = 0;
      if (st.sameSecond.length >= SAME_SECOND_MAX * 3) st.sameSecond.splice(0, 3);
      st.sameSecond.push(succ, err, overload ? 1 : 0);
      st.ts = ts;
      st.succ = succ;
      st.err = err;
      st.overload = overload;
      st.fresh = false;
      if (dSucc === 0 && dErr === 0 && !overload) continue;
      const minute = ts - (ts % this.intervalS);
      let acc = st.pending;
      if (acc !== null && acc[5] !== minute) {
        this.closed.push(acc);
        acc = null;
      }
      if (acc === null) {
        if (st.pending === null) this.dirty.push(st);
        st.pending = [row[0], row[1], row[2], row[3], row[4], minute, dSucc, dErr, flag];
      } else {
        acc[6] += dSucc;
        acc[7] += dErr;
        if (overload) acc[8] = '1';
      }
    }
  }

  /** add() then takeRows(): the rows of `rows` alone (tests). */
  count(rows: readonly CallStatusRow[], nowMs: number): RollupRow[] {
    this.add(rows, nowMs);
    return this.takeRows(nowMs);
  }

  /** Rows waiting to be written. */
  get pendingRows(): number {
    return this.closed.length + this.dirty.length;
  }

  /**
   * Every (stream, bucket) that gained calls (or was overloaded) since the
   * last call, one RollupRow each, and forgets streams unseen for stateTtlMs.
   */
  takeRows(nowMs: number): RollupRow[] {
    const out = this.closed;
    this.closed = [];
    for (const st of this.dirty) {
      if (st.pending !== null) out.push(st.pending);
      st.pending = null;
    }
    this.dirty = [];
    this.sweep(nowMs);
    return out;
  }

  /** Drops streams unseen for stateTtlMs (checked at most twice per TTL; none holds a pending row here). */
  private sweep(nowMs: number): void {
    if (nowMs - this.lastSweepMs < this.stateTtlMs / 2) return;
    this.lastSweepMs = nowMs;
    this.streams.deleteWhere((st) => nowMs - st.seenMs >= this.stateTtlMs);
  }
}

function freshState(nowMs: number): StreamState {
  return { ts: 0, succ: 0, err: 0, overload: false, fresh: true, sameSecond: [], seenMs: nowMs, pending: null };
}

function seenAt(flat: readonly number[], succ: number, err: number, overload: boolean): boolean {
  const o = overload ? 1 : 0;
  for (let i = 0; i < flat.length; i += 3)
    if (flat[i] === succ && flat[i + 1] === err && flat[i + 2] === o) return true;
  return false;
}
