// A test file's DNS bed: its own database, a DnsServer on port 0 against it,
// RouteClients to it, and everything started closed after each test
// (clients first, then servers). Registers the vitest hooks it needs.
import type { PoolConnection } from 'mysql2/promise';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { DnsServer, type DnsServerOptions } from '../src/index.js';
import { createTestDatabase, type TestDatabase } from '../../../test-support/db.js';
import { RouteClient } from './route-client.js';

export interface DnsBed {
  readonly db: TestDatabase;
  /** An admin connection to the test database, for changeRoutes and direct SQL. */
  readonly admin: PoolConnection;
  /** A DnsServer on port 0 with `defaults` then `options`, closed after the test. */
  startDns(options?: DnsServerOptions): Promise<{ dns: DnsServer; port: number }>;
  /** A connected RouteClient, closed after the test. */
  client(port: number): Promise<RouteClient>;
  /** Closed after the test, before anything the bed started. */
  onCleanup(close: () => Promise<void> | void): void;
}

export function dnsBed(defaults: DnsServerOptions): DnsBed {
  let db: TestDatabase | undefined;
  let admin: PoolConnection | undefined;
  const open: Array<() => Promise<void> | void> = [];
  beforeAll(async () => {
    db = await createTestDatabase();
    admin = await db.admin.getConnection();
  });
  afterAll(async () => {
    admin?.release();
    await db?.drop();
  });
  afterEach(async () => {
    for (const close of open.splice(0).reverse()) await close();
  });
  const started = <T>(what: T | undefined): T => {
    if (what === undefined) throw new Error('dnsBed used outside a test');
    return what;
  };
  return {
    get db() {
      return started(db);
    },
    get admin() {
      return started(admin);
    },
    async startDns(options = {}) {
      const d = started(db);
      const dns = new DnsServer({
        port: 0,
        mysql: { host: d.host, port: d.port, user: d.user, password: d.password, database: d.name },
        ...defaults,
        ...options,
      });
      open.push(() => dns.close());
      const { port } = await dns.start();
      return { dns, port };
    },
    async client(port) {
      const c = await RouteClient.connect(port);
      open.push(() => c.close());
      return c;
    },
    onCleanup(close) {
      open.push(close);
    },
  };
}
