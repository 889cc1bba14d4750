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
  /**
   * (succ, err, overload as 0/1) of the snapshots accepted at `ts`, flat, in
   * its first sameLen entries: the array is kept and overwritten (emptying it
   * with `length = 0` would free its store, and the next push allocate one,
   * on every row).
   */
  sameSecond: number[];
  sameLen: number;
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

type HostMap = Map<number | string, StreamState>;

/**
 * StreamStates by modid, cmdid, caller, then host, each a Map keyed by a
 * number (no key string built per request); hosts are numbers
 * (ip * 65536 + port) where the port fits 16 bits. The rows of one request
 * share their route and caller, so consecutive rows find their host map
 * without any lookup. This is the rollup's per-row cost, so it allocates
 * nothing for a stream it already holds.
 */
class StreamTable {
  private readonly routes = new Map<number, Map<number, Map<number, HostMap>>>();
  private lastModid = Number.NaN;
  private lastCmdid = Number.NaN;
  private lastCaller = Number.NaN;
  private lastHosts: HostMap | undefined;
  size = 0;

  get(key: StreamKey): StreamState | undefined {
    return this.hosts(key, false)?.get(hostKey(key));
  }

  set(key: StreamKey, st: StreamState): void {
    const hosts = this.hosts(key, true) as HostMap;
    const h = hostKey(key);
    if (!hosts.has(h)) this.size++;
    hosts.set(h, st);
  }

  /** Drops every stream `stale` says so of. */
  deleteWhere(stale: (st: StreamState) => boolean): void {
    for (const [modid, cmdids] of this.routes) {
      for (const [cmdid, callers] of cmdids) {
        for (const [caller, hosts] of callers) {
          for (const [h, st] of hosts)
            if (stale(st)) {
              hosts.delete(h);
              this.size--;
            }
          if (hosts.size === 0) callers.delete(caller);
        }
        if (callers.size === 0) cmdids.delete(cmdid);
      }
      if (cmdids.size === 0) this.routes.delete(modid);
    }
    this.lastHosts = undefined;
    this.lastModid = Number.NaN;
  }

  private hosts(key: StreamKey, create: boolean): HostMap | undefined {
    const modid = key[0];
    const cmdid = key[1];
    const caller = key[4];
    if (
      this.lastHosts !== undefined &&
      modid === this.lastModid &&
      cmdid === this.lastCmdid &&
      caller === this.lastCaller
    )
      return this.lastHosts;
    let cmdids = this.routes.get(modid);
    if (cmdids === undefined) {
      if (!create) return undefined;
      cmdids = new Map();
      this.routes.set(modid, cmdids);
    }
    let callers = cmdids.get(cmdid);
    if (callers === undefined) {
      if (!create) return undefined;
      callers = new Map();
      cmdids.set(cmdid, callers);
    }
    let hosts = callers.get(caller);
    if (hosts === undefined) {
      if (!create) return undefined;
      hosts = new Map();
      callers.set(caller, hosts);
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
        sameLen: 3,
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
      this.apply(st, row, nowMs);
    }
  }

  /**
   * add() of `rows` from `from` on, stopping at the first row of a stream
   * without state; returns that row's index (rows.length when all were
   * applied). The writer's hot path: one lookup per row, where missing() then
   * add() would take two. Seeding the streams from there on (missing(),
   * seed()) and going on from the index returned is the same as seeding
   * first: the rows before it are of streams seed() leaves alone.
   */
  addKnown(rows: readonly CallStatusRow[], nowMs: number, from = 0): number {
    for (let i = from; i < rows.length; i++) {
      const row = rows[i];
      const st = this.streams.get(row);
      if (st === undefined) return i;
      this.apply(st, row, nowMs);
    }
    return rows.length;
  }

  private apply(st: StreamState, row: CallStatusRow, nowMs: number): void {
    st.seenMs = nowMs;
    const succ = row[5];
    const err = row[6];
    const ts = row[7];
    const flag = row[8];
    const overload = flag === '1';
    if (!st.fresh) {
      if (ts < st.ts) {
        this.counts.older++;
        return;
      }
      if (ts === st.ts && seenAt(st.sameSecond, st.sameLen, succ, err, overload)) {
        this.counts.duplicates++;
        return;
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
    const same = st.sameSecond;
    if (ts !== st.ts || st.fresh) st.sameLen = 0;
    if (st.sameLen >= SAME_SECOND_MAX * 3) {
      same.copyWithin(0, 3, st.sameLen);
      st.sameLen -= 3;
    }
    same[st.sameLen] = succ;
    same[st.sameLen + 1] = err;
    same[st.sameLen + 2] = overload ? 1 : 0;
    st.sameLen += 3;
    st.ts = ts;
    st.succ = succ;
    st.err = err;
    st.overload = overload;
    st.fresh = false;
    if (dSucc === 0 && dErr === 0 && !overload) return;
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
  return {
    ts: 0,
    succ: 0,
    err: 0,
    overload: false,
    fresh: true,
    sameSecond: [],
    sameLen: 0,
    seenMs: nowMs,
    pending: null,
  };
}

function seenAt(flat: readonly number[], len: number, succ: number, err: number, overload: boolean): boolean {
  const o = overload ? 1 : 0;
  for (let i = 0; i < len; i += 3) if (flat[i] === succ && flat[i + 1] === err && flat[i + 2] === o) return true;
  return false;
}
