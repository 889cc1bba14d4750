import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  clusterStatus,
  type GaleraCluster,
  type GaleraClusterOptions,
  type GaleraNodeStatus,
  killNode,
  parseClusterStatus,
  restartNode,
  startGaleraCluster,
  stopGaleraCluster,
} from '../../test-support/galera-cluster.js';
import { freePortRange } from '../../test-support/ports.js';
import { VAR_TMP } from '../../test-support/repo-paths.js';
import { until } from '../../test-support/wait.js';

// A cluster of its own (not the developer's var/galera on 3311..3322): own
// directory, and 12 consecutive ports free when the test starts.
const CLUSTER_PORTS = 12;
const DIR = join(VAR_TMP, 'galera-test');
let options: GaleraClusterOptions = { dir: DIR };
// Bounds only: the waits end as soon as the cluster reaches the state.
const NOTICE_TIMEOUT_MS = 30_000;
const MODID = 4242;

let cluster: GaleraCluster;

function connect(node: 1 | 2 | 3): Promise<Connection> {
  const { host, port } = cluster.nodes[node - 1];
  return createConnection({ host, port, user: cluster.user, password: cluster.password, database: cluster.database });
}

async function withNode<T>(node: 1 | 2 | 3, fn: (conn: Connection) => Promise<T>): Promise<T> {
  const conn = await connect(node);
  try {
    return await fn(conn);
  } finally {
    await conn.end();
  }
}

function insertHost(node: 1 | 2 | 3, port: number): Promise<void> {
  return withNode(node, async (conn) => {
    await conn.query('INSERT INTO RouteData (modid, cmdid, serverip, serverport) VALUES (?, 1, INET_ATON(?), ?)', [
      MODID,
      '10.9.9.9',
      port,
    ]);
  });
}

function hostPorts(node: 1 | 2 | 3): Promise<number[]> {
  return withNode(node, async (conn) => {
    const [rows] = await conn.query<RowDataPacket[]>(
      'SELECT serverport FROM RouteData WHERE modid = ? ORDER BY serverport',
      [MODID],
    );
    return rows.map((r) => r.serverport as number);
  });
}

async function statusMatches(pred: (nodes: GaleraNodeStatus[]) => boolean): Promise<boolean> {
  return pred(await clusterStatus(options));
}

const synced = (s: GaleraNodeStatus, size: number) => s.state === 'Synced' && s.size === size;

beforeAll(async () => {
  // A run that died before afterAll may have left nodes (on other ports) in DIR.
  await stopGaleraCluster(options);
  await rm(DIR, { recursive: true, force: true });
  options = { dir: DIR, basePort: await freePortRange(CLUSTER_PORTS) };
  cluster = await startGaleraCluster(options);
  await withNode(1, (conn) => conn.query('DELETE FROM RouteData WHERE modid = ?', [MODID]));
});

afterAll(async () => {
  await stopGaleraCluster(options);
  await rm(DIR, { recursive: true, force: true });
});

describe('parseClusterStatus', () => {
  it('reads up, unreachable and down nodes', () => {
    const parsed = parseClusterStatus(
      'node1 port 3311 pid 10 size 2 state Synced\nnode2 port 3312 down\nnode3 port 3313 pid 12 size - state unreachable\n',
    );
    expect(parsed).toEqual([
      { node: 1, port: 3311, pid: 10, size: 2, state: 'Synced' },
      { node: 2, port: 3312, pid: null, size: null, state: 'down' },
      { node: 3, port: 3313, pid: 12, size: null, state: 'unreachable' },
    ]);
  });
});

describe('galera-cluster.sh (three local nodes)', () => {
  it('starts all three Synced in a cluster of 3, and a second start keeps them', async () => {
    const before = await clusterStatus(options);
    expect(before.map((s) => [s.port, s.size, s.state])).toEqual(cluster.nodes.map((n) => [n.port, 3, 'Synced']));
    await startGaleraCluster(options);
    const after = await clusterStatus(options);
    expect(after.map((s) => s.pid)).toEqual(before.map((s) => s.pid));
  });

  it('replicates a write on node 1 to nodes 2 and 3 at once', async () => {
    await insertHost(1, 9001);
    expect(await hostPorts(2)).toEqual([9001]);
    expect(await hostPorts(3)).toEqual([9001]);
  });

  it('survives kill -9 of node 2 and brings it back by restart with the writes it missed', async () => {
    await killNode(2, options);
    await until(
      () => statusMatches(([n1, n2, n3]) => n2.state === 'down' && synced(n1, 2) && synced(n3, 2)),
      'nodes 1 and 3 to notice node 2 is gone',
      NOTICE_TIMEOUT_MS,
    );

    await insertHost(1, 9002);
    expect(await hostPorts(3)).toEqual([9001, 9002]);

    await restartNode(2, options);
    const status = await clusterStatus(options);
    expect(status.every((s) => synced(s, 3))).toBe(true);
    expect(await hostPorts(2)).toEqual([9001, 9002]);
  });
});
