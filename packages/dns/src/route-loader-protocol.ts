import type { HeartbeatSlot } from '@lars/reactor';
import type { MysqlErrorFields, MysqlSettings } from '@lars/store';
import type { RouteKey } from './route-store.js';
import type { TruncatedRoute } from './route-table.js';

/** workerData of the loader worker. */
export interface LoaderWorkerData {
  mysql: MysqlSettings;
  connectTimeoutMs: number;
  /** The loader's slot on the DNS's HeartbeatBoard, and how often it beats. */
  heartbeat: HeartbeatSlot;
  heartbeatIntervalMs: number;
  /** `[dns] change_retention`, seconds: RouteChange rows older than this are swept; a cursor half as old triggers a full load. */
  changeRetentionS: number;
  /** How often the loader sweeps RouteChange, ms. */
  sweepIntervalMs: number;
  /**
   * A round with nothing else to do waits in MySQL up to `waitMs` (`[dns]
   * check_interval`) for RouteVersion to move, re-read every `pollMs` (`[dns]
   * version_poll`; route-store.ts waitRouteVersion); null (version_poll = 0):
   * every round reads it once.
   */
  versionWait: { waitMs: number; pollMs: number } | null;
}

export type FullLoad = 'no' | 'due' | 'now';

/** main -> loader: one round of the backend loop. */
export interface CheckRequest {
  seq: number;
  /** The version of the table being served (null before the first load). */
  knownVersion: number | null;
  /**
   * Whether to reload the whole table whatever the version: 'now' (the first
   * load, a periodic reload put off for a whole interval), 'due' (the
   * periodic reload: unless the version moved, which an incremental load
   * serves first so that a change waits for no whole-table read; the reload
   * is then due again next round), 'no'.
   */
  fullLoad: FullLoad;
  /** The table being served (shared, not copied): an incremental load patches it, a full load is compared with it. */
  table: SharedArrayBuffer;
}

/** loader -> main: the round's outcome. */
export type CheckReply =
  | {
      type: 'loaded';
      seq: number;
      version: number;
      /** The new table (route-table.ts layout), shared, not copied. */
      buffer: SharedArrayBuffer;
      routes: number;
      hosts: number;
      /** Hosts not served because they are disabled (RouteData.disabled). */
      disabled: number;
      truncated: TruncatedRoute[];
      /** True: the whole of RouteData was read; false: only the routes in `changes` (an incremental load). */
      full: boolean;
      /**
       * The routes to push: those RouteChange names up to `version` (an
       * incremental load), or those served differently from the table sent
       * with the request (a full load).
       */
      changes: RouteKey[];
      /** RouteChange rows this round's sweep deleted. */
      swept: number;
      selectMs: number;
      loadMs: number;
      /** Whether the round waited in MySQL for the version to move (the next round may then start at once). */
      waited: boolean;
    }
  | { type: 'unchanged'; seq: number; version: number; swept: number; waited: boolean }
  | {
      type: 'failed';
      seq: number;
      error: string;
      /** What MySQL said (mysqlErrorFields), or null when the loader itself failed (it exited). */
      mysql: MysqlErrorFields | null;
    };
