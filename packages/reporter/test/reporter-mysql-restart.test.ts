// MySQL restarted under a stream of reports below the queue bound: every row
// ends up written, and /readyz says mysql is down meanwhile. Uses a throwaway
// server of its own.
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReporterServer } from '../src/index.js';
import type { TestDatabase } from '../../../test-support/db.js';
import { serveStatsEndpoint } from '../../../test-support/stats-endpoint.js';
import { until } from '../../../test-support/wait.js';
import {
  startThrowawayDatabase,
  type ThrowawayDatabase,
  type ThrowawayMysql,
} from '../../../test-support/throwaway-mysql.js';
import { ReportClient, snapshot } from './report-client.js';

let mysql: ThrowawayMysql;
let db: TestDatabase;
let throwaway: ThrowawayDatabase | undefined;
beforeAll(async () => {
  throwaway = await startThrowawayDatabase();
  ({ mysql, db } = throwaway);
});
afterAll(() => throwaway?.close());

describe('ReporterServer across a MySQL restart', () => {
  it('writes every row of a stream that spans the restart; /readyz is 503 naming mysql meanwhile', async () => {
    const reporter = new ReporterServer({
      port: 0,
      writers: 3,
      connectTimeoutMs: 1000,
      backoff: { initialMs: 50, maxMs: 300 },
      mysql: { host: db.host, port: db.port, user: db.user, password: db.password, database: db.name },
    });
    const http = await serveStatsEndpoint(reporter);
    const get = http.get;
    const { port } = await reporter.start();
    const c = await ReportClient.connect(port);
    const stat = (k: 'rowsWritten' | 'requests' | 'batchFailures' | 'drops') => reporter.stats()[k] as number;
    let sent = 0;
    const burst = (n: number) => {
      for (let i = 0; i < n; i++, sent++) c.send(snapshot(1 + (sent % 30), 1, 167772161 + sent, 80, sent, 0));
    };
    try {
      burst(500);
      await until(() => stat('rowsWritten') === 500, 'the first 500 rows');
      expect((await get('/readyz')).status).toBe(200);
      await mysql.stop();
      burst(500);
      await until(() => stat('requests') === 1000 && stat('batchFailures') > 0, 'writers to meet the outage');
      expect(reporter.stats().mysqlUp).toBe(false);
      const down = await get('/readyz');
      expect(down.status).toBe(503);
      const body = (await down.json()) as {
        failing: string[];
        checks: Record<string, { ok: boolean; detail: string }>;
      };
      // mysql: the writers' connections are down; writes: the writers holding a batch retry it.
      expect(body.failing).toContain('mysql');
      expect(body.checks.mysql.detail).toMatch(/^writer [0-9, ]+ not connected to MySQL; retrying with backoff$/);
      expect(body.checks.writers).toEqual({ ok: true, detail: '3 of 3 writer threads running' });
      // Waiting on MySQL is not being stuck: every thread still beats.
      expect((await get('/healthz')).status).toBe(200);
      await mysql.start();
      burst(500);
      await until(() => stat('rowsWritten') >= 1500, 'every row after the restart');
      expect(stat('drops')).toBe(0);
      const [[row]] = (await db.admin.query('SELECT COUNT(*) AS n FROM ServerCallStatus')) as unknown as [
        RowDataPacket[],
      ];
      expect(row.n).toBe(1500);
      expect(reporter.stats().mysqlUp).toBe(true);
      const up = await get('/readyz');
      expect(up.status).toBe(200);
      expect(await up.json()).toEqual({
        ok: true,
        failing: [],
        checks: {
          writers: { ok: true, detail: '3 of 3 writer threads running' },
          mysql: { ok: true, detail: 'every writer is connected' },
          writes: { ok: true, detail: 'no writer is retrying a batch' },
        },
      });
    } finally {
      await c.close();
      await reporter.close();
      await http.close();
    }
  });
});
