import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { checkOption, ErrorCode, LarsError } from '@lars/wire';
import { mysqlTestEnv } from './db.js';

/** scripts/galera-cluster.sh: the local three-node MariaDB Galera cluster. */
export const GALERA_CLUSTER_SCRIPT = fileURLToPath(new URL('../scripts/galera-cluster.sh', import.meta.url));

/** Exit code of `galera-cluster.sh status` when not all three nodes are Synced. */
export const EXIT_NOT_SYNCED = 3;

export const NODE_COUNT = 3;

export interface GaleraClusterOptions {
  /** Cluster directory (LARS_GALERA_DIR); default the script's, <repo>/var/galera. */
  dir?: string;
  /** Client port of node 1 (LARS_GALERA_BASE_PORT); default the script's, 3311. */
  basePort?: number;
  /** Kills the script after this long (ms); default 180 000. */
  timeoutMs?: number;
}

export interface GaleraNode {
  readonly host: string;
  readonly port: number;
}

/** Where the cluster is and how the daemons log in (the same users as scripts/mysql-local.sh). */
export interface GaleraCluster {
  /** Nodes 1..3 at index 0..2. */
  readonly nodes: readonly GaleraNode[];
  readonly user: string;
  readonly password: string;
  readonly database: string;
  readonly adminUser: string;
  readonly adminPassword: string;
}

export interface GaleraNodeStatus {
  readonly node: number;
  readonly port: number;
  /** null when the node is down. */
  readonly pid: number | null;
  /** wsrep_cluster_size; null when the node is down or does not answer. */
  readonly size: number | null;
  /** wsrep_local_state_comment (Synced, Joining, ...), or 'down' / 'unreachable'. */
  readonly state: string;
}

const DEFAULTS = {
  basePort: 3311,
  timeoutMs: 180_000,
} as const;

const HOST = '127.0.0.1';
const DATABASE = 'lars_dns';

interface ScriptResult {
  code: number;
  stdout: string;
  stderr: string;
}

function scriptEnv(options: GaleraClusterOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (options.dir !== undefined) env.LARS_GALERA_DIR = options.dir;
  if (options.basePort !== undefined) {
    checkOption(Number.isInteger(options.basePort), 'basePort', 'must be an integer');
    env.LARS_GALERA_BASE_PORT = String(options.basePort);
  }
  return env;
}

function runScript(args: readonly string[], options: GaleraClusterOptions): Promise<ScriptResult> {
  return new Promise((resolve, reject) => {
    execFile(
      'bash',
      [GALERA_CLUSTER_SCRIPT, ...args],
      { env: scriptEnv(options), timeout: options.timeoutMs ?? DEFAULTS.timeoutMs },
      (err, stdout, stderr) => {
        if (err === null) return resolve({ code: 0, stdout, stderr });
        if (typeof err.code === 'number') return resolve({ code: err.code, stdout, stderr });
        reject(err);
      },
    );
  });
}

async function runOrThrow(args: readonly string[], options: GaleraClusterOptions): Promise<string> {
  const result = await runScript(args, options);
  if (result.code !== 0) {
    throw new LarsError(
      ErrorCode.NOT_CONNECTED,
      `galera-cluster.sh ${args.join(' ')} exited ${result.code}: ${result.stderr.trim() || result.stdout.trim()}`,
    );
  }
  return result.stdout;
}

function checkNode(n: number): void {
  checkOption(Number.isInteger(n) && n >= 1 && n <= NODE_COUNT, 'node', `must be an integer in 1..${NODE_COUNT}`);
}

/**
 * Starts the cluster (idempotent: a running one is kept) and waits until all
 * three nodes are Synced with the `lars_dns` schema. Stop it with stopGaleraCluster.
 */
export async function startGaleraCluster(options: GaleraClusterOptions = {}): Promise<GaleraCluster> {
  await runOrThrow(['start'], options);
  const basePort = options.basePort ?? DEFAULTS.basePort;
  const env = mysqlTestEnv();
  return {
    nodes: Array.from({ length: NODE_COUNT }, (_, i) => ({ host: HOST, port: basePort + i })),
    user: env.user,
    password: env.password,
    database: DATABASE,
    adminUser: env.adminUser,
    adminPassword: env.adminPassword,
  };
}

/** kill -9 of node n (1..3); a node already down is left alone. */
export async function killNode(n: number, options: GaleraClusterOptions = {}): Promise<void> {
  checkNode(n);
  await runOrThrow(['kill', String(n)], options);
}

/** Starts node n again and resolves once it is Synced with every running node. */
export async function restartNode(n: number, options: GaleraClusterOptions = {}): Promise<void> {
  checkNode(n);
  await runOrThrow(['restart', String(n)], options);
}

/** Clean shutdown of all nodes (the data stays; start brings them back). */
export async function stopGaleraCluster(options: GaleraClusterOptions = {}): Promise<void> {
  await runOrThrow(['stop'], options);
}

const STATUS_LINE = /^node(\d+) port (\d+) (?:down|pid (\d+) size (\d+|-) state (\S+))$/;

/** Parses the lines of `galera-cluster.sh status`. */
export function parseClusterStatus(stdout: string): GaleraNodeStatus[] {
  const nodes: GaleraNodeStatus[] = [];
  for (const line of stdout.split('\n')) {
    const m = STATUS_LINE.exec(line.trim());
    if (m === null) continue;
    const [, node, port, pid, size, state] = m;
    nodes.push({
      node: Number(node),
      port: Number(port),
      pid: pid === undefined ? null : Number(pid),
      size: size === undefined || size === '-' ? null : Number(size),
      state: state ?? 'down',
    });
  }
  return nodes;
}

/** Each node's pid, wsrep_cluster_size and state; a cluster that is not all Synced is a value, not an error. */
export async function clusterStatus(options: GaleraClusterOptions = {}): Promise<GaleraNodeStatus[]> {
  const result = await runScript(['status'], options);
  if (result.code !== 0 && result.code !== EXIT_NOT_SYNCED) {
    throw new LarsError(
      ErrorCode.NOT_CONNECTED,
      `galera-cluster.sh status exited ${result.code}: ${result.stderr.trim()}`,
    );
  }
  const nodes = parseClusterStatus(result.stdout);
  if (nodes.length !== NODE_COUNT) {
    throw new LarsError(
      ErrorCode.NOT_CONNECTED,
      `galera-cluster.sh status printed ${nodes.length} nodes: ${result.stdout}`,
    );
  }
  return nodes;
}
