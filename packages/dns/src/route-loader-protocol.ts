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
}

/** main -> loader: one round of the backend loop. */
export interface CheckRequest {
  seq: number;
  /** The version of the table being served (null before the first load). */
  knownVersion: number | null;
  /** Reload even when the version did not change (the periodic reload). */
  force: boolean;
  /** First round: clear RouteChange before loading. */
  startup: boolean;
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
      /** Routes changed up to `version` (their RouteChange rows are deleted). */
      changes: RouteKey[];
      selectMs: number;
      loadMs: number;
    }
  | { type: 'unchanged'; seq: number; version: number }
  | {
      type: 'failed';
      seq: number;
      error: string;
      /** What MySQL said (mysqlErrorFields), or null when the loader itself failed (it exited). */
      mysql: MysqlErrorFields | null;
    };
