// The setup the daemons' connection-guard tests share (an in-process server on
// the real MariaDB): one test database for the file, and the servers and
// GuardPeers each test opens, closed after it. guardBed registers its vitest
// hooks, so it is called at the top of a test file.
import { afterAll, afterEach, beforeAll } from 'vitest';
import { createTestDatabase, type TestDatabase } from './db.js';
import { GuardPeer } from './guard-peer.js';

/** A daemon's `mysql` option for the test database. */
export interface GuardBedMysql {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

export interface GuardBed<S> {
  /** The file's test database (there once beforeAll has run). */
  readonly db: TestDatabase;
  /** The `mysql` option of a daemon on `db`. */
  mysql(): GuardBedMysql;
  /** `server`, to be closed after the test (after its peers). */
  server<T extends S>(server: T): T;
  /** A peer connected from `from` (any of 127.0.0.0/8), closed after the test. */
  peer(port: number, from: string): Promise<GuardPeer>;
  /** `n` peers from `from` that never send a byte, opened in batches under the listen backlog. */
  idleSockets(port: number, from: string, n: number): Promise<GuardPeer[]>;
}

const BATCH = 100;

export function guardBed<S extends { close(): Promise<unknown> }>(): GuardBed<S> {
  let db: TestDatabase | undefined;
  const servers: S[] = [];
  const peers: GuardPeer[] = [];
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });
  afterEach(async () => {
    // Peers first (all at once: there can be over a thousand), then servers.
    await Promise.all(peers.splice(0).map((p) => p.close()));
    for (const s of servers.splice(0)) await s.close();
  });
  const bed: GuardBed<S> = {
    get db() {
      if (db === undefined) throw new Error('guardBed: the test database is made in beforeAll');
      return db;
    },
    mysql: () => {
      const { host, port, user, password, name } = bed.db;
      return { host, port, user, password, database: name };
    },
    server: (server) => {
      servers.push(server);
      return server;
    },
    peer: async (port, from) => {
      const p = await GuardPeer.open(port, from);
      peers.push(p);
      return p;
    },
    idleSockets: async (port, from, n) => {
      const all: GuardPeer[] = [];
      for (let i = 0; i < n; i += BATCH) {
        all.push(...(await Promise.all(Array.from({ length: Math.min(BATCH, n - i) }, () => bed.peer(port, from)))));
      }
      return all;
    },
  };
  return bed;
}
