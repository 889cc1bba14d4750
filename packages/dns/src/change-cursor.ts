// Where one DNS stands in RouteChange (issue: changes consumed per DNS, not
// destroyed). RouteChange rows are never deleted on read: every DNS keeps
// its own cursor, the RouteVersion it last brought its table up to, and
// reads the rows at or above it. Versions, not ids: a change's version is
// set under the RouteVersion row lock (store route-change.ts), so versions
// follow commit order, while ids are allocated at insert (and interleaved
// across Galera nodes). Rows are swept by age (route-change-sweep.ts), so a
// cursor last moved longer ago than a margin inside the retention may have
// lost rows: the DNS then reloads the whole table and pushes the difference.
// Pure state, no I/O: the loader worker drives it.
import type { RouteKey } from './route-store.js';

/** One RouteChange row as the loader reads it: [version, modid, cmdid]. */
export type RouteChangeRow = readonly [version: number, modid: number, cmdid: number];

const keyOf = (modid: number, cmdid: number) => `${modid}:${cmdid}`;

export class ChangeCursor {
  private version: number | null = null;
  /** MySQL's clock (UNIX seconds) when the cursor was last known to be current. */
  private at = 0;
  /** The keys at `version` already applied; 'all' after a full load (it applied every row up to `version`). */
  private seen: Set<string> | 'all' = 'all';

  /** `staleAfterS`: a cursor not confirmed for longer than this needs a full load (half the retention). */
  constructor(private readonly staleAfterS: number) {}

  /** The version the table was last brought up to (null: never, a full load is due). */
  get current(): number | null {
    return this.version;
  }

  /** Whether the next round must reload the whole table: no cursor yet, or rows it has not read may be swept. */
  needsFullLoad(nowS: number): boolean {
    return this.version === null || nowS - this.at > this.staleAfterS;
  }

  /** RouteVersion still reads `version`: every row up to it stays applied. */
  confirm(nowS: number): void {
    this.at = nowS;
  }

  /**
   * The distinct keys of `rows` (read at or above the cursor) not applied
   * yet: a row at the cursor's own version counts only if its key was not
   * seen there (a tool that writes RouteChange after bumping RouteVersion).
   */
  pending(rows: readonly RouteChangeRow[]): RouteKey[] {
    const keys: RouteKey[] = [];
    const picked = new Set<string>();
    for (const [version, modid, cmdid] of rows) {
      const k = keyOf(modid, cmdid);
      if (picked.has(k)) continue;
      if (version === this.version && (this.seen === 'all' || this.seen.has(k))) continue;
      picked.add(k);
      keys.push({ modid, cmdid });
    }
    return keys;
  }

  /** The rows of `pending` were applied: the cursor moves to `version`. */
  advance(version: number, nowS: number, rows: readonly RouteChangeRow[]): void {
    const seen = version === this.version ? this.seen : new Set<string>();
    if (seen !== 'all') for (const [v, modid, cmdid] of rows) if (v === version) seen.add(keyOf(modid, cmdid));
    this.version = version;
    this.seen = seen;
    this.at = nowS;
  }

  /** A full load brought the table up to `version`: every row up to it is applied. */
  reset(version: number, nowS: number): void {
    this.version = version;
    this.seen = 'all';
    this.at = nowS;
  }
}
