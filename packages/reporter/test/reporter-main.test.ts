// The reporter as run_lars.sh runs it: on SIGTERM it stops accepting, writes
// what is queued and exits 0.
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test-support/db.js';
import { until } from '../../../test-support/wait.js';
import { mysqlSection, startDaemonProcess } from '../../../test-support/daemon-process.js';
import { freePort } from '../../../test-support/ports.js';
import { promtoolCheckMetrics } from '../../../test-support/promtool.js';
import { ReportClient, snapshot } from './report-client.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());

describe('reporter main (run_lars.sh reporter)', () => {
  it('writes every received report and exits 0 on SIGTERM; serves its stats', async () => {
    const [port, statsPort] = [await freePort(), await freePort()];
    const reporter = startDaemonProcess(
      'packages/reporter/src/main.ts',
      `[reactor]\nport = ${port}\n${mysqlSection(db)}[reporter]\ndb_thread_cnt = 2\nbatch_size = 16\n[stats]\nport = ${statsPort}\n`,
    );
    try {
      await reporter.waitForOutput('reporter serving', 'stats endpoint listening');
      const c = await ReportClient.connect(port);
      const n = 2000;
      for (let i = 0; i < n; i++) c.send(snapshot(1 + (i % 20), 1, 167772161 + i, 80, i, 1));
      const stats = async () =>
        (await (await fetch(`http://127.0.0.1:${statsPort}/stats`)).json()) as Record<string, unknown>;
      await until(async () => (await stats()).requests === n, 'every request received');
      const metrics = await (await fetch(`http://127.0.0.1:${statsPort}/metrics`)).text();
      expect(metrics).toContain(`\nlars_reporter_requests_total ${n}\n`);
      expect(promtoolCheckMetrics(metrics).problems).toEqual([]);
      expect((await fetch(`http://127.0.0.1:${statsPort}/readyz`)).status).toBe(200);
      const live = await fetch(`http://127.0.0.1:${statsPort}/healthz`);
      expect(live.status).toBe(200);
      expect(await live.json()).toMatchObject({ ok: true, checks: { main: { ok: true }, writer0: {}, writer1: {} } });
      await c.close();
      expect(await reporter.stop('SIGTERM')).toBe(0);
      const [[row]] = (await db.admin.query('SELECT COUNT(*) AS n FROM ServerCallStatus')) as unknown as [
        RowDataPacket[],
      ];
      expect(row.n).toBe(n);
    } finally {
      await reporter.stop('SIGKILL');
    }
  });
});
