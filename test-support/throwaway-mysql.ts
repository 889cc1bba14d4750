import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { checkOption, ErrorCode, LarsError } from '@lars/wire';
import { createTestDatabase, type TestDatabase } from './db.js';
import { freePort } from './ports.js';
import { MYSQL_LOCAL_SCRIPT, VAR_TMP } from './repo-paths.js';

/** Exit code of scripts/mysql-local.sh when another process holds the port. */
export const EXIT_PORT_TAKEN = 4;

export interface ScriptResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunScriptOptions {
  /** Extra environment on top of process.env. */
  env?: NodeJS.ProcessEnv;
  /** Kills the script after this long (ms); default 180 000. */
  timeoutMs?: number;
}

/** Runs scripts/mysql-local.sh; resolves with its exit code and output (never rejects on exit code). */
export function runMysqlLocal(args: readonly string[], options: RunScriptOptions = {}): Promise<ScriptResult> {
  return new Promise((resolve, reject) => {
    execFile(
      'bash',
      [MYSQL_LOCAL_SCRIPT, ...args],
      { env: { ...process.env, ...options.env }, timeout: options.timeoutMs ?? 180_000 },
      (err, stdout, stderr) => {
        if (err === null) return resolve({ code: 0, stdout, stderr });
        if (typeof err.code === 'number') return resolve({ code: err.code, stdout, stderr });
        reject(err);
      },
    );
  });
}

export interface ThrowawayMysqlOptions {
  /** Parent of the temporary directory; default <repo>/var/tmp. */
  baseDir?: string;
  /** Fresh ports to try when the chosen one is taken before the server binds it; default 3. */
  portAttempts?: number;
}

export interface ThrowawayMysql {
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  /** Starts the server again after stop() (same port, same data). */
  start(): Promise<void>;
  stop(): Promise<void>;
  restart(): Promise<void>;
  /** Stops the server and deletes its directory; safe to call twice. */
  close(): Promise<void>;
}

const DEFAULTS = {
  portAttempts: 3,
} as const;

class ThrowawayMysqlServer implements ThrowawayMysql {
  readonly host = '127.0.0.1';
  private closed: Promise<void> | null = null;

  constructor(
    readonly port: number,
    readonly dataDir: string,
    private readonly dir: string,
  ) {}

  async start(): Promise<void> {
    checkOption(this.closed === null, 'start', 'throwaway server already closed');
    const result = await runMysqlLocal(['start-throwaway', String(this.port), this.dataDir]);
    if (result.code !== 0) throw scriptError('start-throwaway', result);
  }

  async stop(): Promise<void> {
    const result = await runMysqlLocal(['stop-throwaway', this.dataDir]);
    if (result.code !== 0) throw scriptError('stop-throwaway', result);
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  close(): Promise<void> {
    this.closed ??= (async () => {
      try {
        await this.stop();
      } finally {
        await rm(this.dir, { recursive: true, force: true });
      }
    })();
    return this.closed;
  }
}

function scriptError(command: string, result: ScriptResult): LarsError {
  return new LarsError(
    ErrorCode.NOT_CONNECTED,
    `mysql-local.sh ${command} exited ${result.code}: ${result.stderr.trim() || result.stdout.trim()}`,
  );
}

/**
 * Starts a private MariaDB (own port, own data dir under var/tmp) with the
 * same users and `lars_dns` schema as the shared server, for tests that stop
 * or restart MySQL. Never touches the shared server. Always close() it.
 */
export async function startThrowawayMysql(options: ThrowawayMysqlOptions = {}): Promise<ThrowawayMysql> {
  const portAttempts = options.portAttempts ?? DEFAULTS.portAttempts;
  checkOption(Number.isInteger(portAttempts) && portAttempts >= 1, 'portAttempts', 'must be an integer >= 1');
  const baseDir = options.baseDir ?? VAR_TMP;
  await mkdir(baseDir, { recursive: true });
  const dir = await mkdtemp(join(baseDir, 'mysql-'));
  const dataDir = join(dir, 'data');
  try {
    for (let attempt = 1; ; attempt++) {
      const server = new ThrowawayMysqlServer(await freePort(), dataDir, dir);
      const result = await runMysqlLocal(['start-throwaway', String(server.port), dataDir]);
      if (result.code === 0) return server;
      if (result.code !== EXIT_PORT_TAKEN || attempt >= portAttempts) {
        throw scriptError('start-throwaway', result);
      }
    }
  } catch (err) {
    await runMysqlLocal(['stop-throwaway', dataDir]).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/** A throwaway server with a fresh test database on it: for a test file that stops or restarts MySQL. */
export interface ThrowawayDatabase {
  mysql: ThrowawayMysql;
  db: TestDatabase;
  /** Drops the database (if the server is up) and removes the server. */
  close(): Promise<void>;
}

export async function startThrowawayDatabase(): Promise<ThrowawayDatabase> {
  const mysql = await startThrowawayMysql();
  try {
    const db = await createTestDatabase({ port: mysql.port });
    return {
      mysql,
      db,
      async close() {
        await db.drop().catch(() => undefined);
        await mysql.close();
      },
    };
  } catch (err) {
    await mysql.close();
    throw err;
  }
}
