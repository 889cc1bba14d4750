// The DNS's /metrics, /stats, /healthz and /readyz over HTTP, against the
// real MariaDB: the exposition passes promtool, and the counters say exactly
// what the traffic was.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ipToInt } from '@lars/proto';
import { StatsHttpServer } from '@lars/reactor';
import { changeRoutes, readPackageVersion, type RouteEdit } from '@lars/store';
import { DnsServer } from '../src/index.js';
import { createTestDatabase, type TestDatabase } from '../../../test-support/db.js';
import { promtoolCheckMetrics } from '../../../test-support/promtool.js';
import { metricSamples } from '../../../test-support/stats-endpoint.js';
import { until } from '../../../test-support/wait.js';
import { RouteClient } from './route-client.js';

const DNS_VERSION = readPackageVersion(new URL('../package.json', import.meta.url));

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
  await change({ modid: 1, ip: '10.0.0.1', port: 1001 }, { modid: 2, ip: '10.0.0.2', port: 1002 });
});
afterAll(() => db.drop());

async function change(...hosts: { modid: number; ip: string; port: number }[]): Promise<void> {
  const edits: RouteEdit[] = hosts.map((h) => ({
    op: 'add',
    modid: h.modid,
    cmdid: 1,
    ip: ipToInt(h.ip),
    port: h.port,
  }));
  const conn = await db.admin.getConnection();
  try {
    await changeRoutes(conn, edits);
  } finally {
    conn.release();
  }
}

describe('DNS metrics and health endpoints', () => {
  it('serves promtool-clean /metrics whose counters match the traffic, /stats with the same numbers, and is ready and live', async () => {
    const dns = new DnsServer({
      port: 0,
      checkIntervalMs: 50,
      // No periodic reload: every load is one the test caused.
      reloadIntervalMs: 600_000,
      heartbeat: { intervalMs: 20, deadAfterMs: 5_000 },
      mysql: { host: db.host, port: db.port, user: db.user, password: db.password, database: db.name },
    });
    const http = new StatsHttpServer(dns.metrics, { health: dns.health });
    const { port: statsPort } = await http.listen();
    const get = (path: string) => fetch(`http://127.0.0.1:${statsPort}${path}`);
    const { port } = await dns.start();
    const c = await RouteClient.connect(port);
    try {
      expect((await c.ask(1, 1)).hosts).toEqual(['10.0.0.1:1001']);
      expect((await c.ask(2, 1)).hosts).toEqual(['10.0.0.2:1002']);
      expect((await c.ask(1, 1)).hosts).toEqual(['10.0.0.1:1001']);
      const push = c.next(1, 1);
      await change({ modid: 1, ip: '10.0.0.3', port: 1003 });
      expect((await push).hosts).toEqual(['10.0.0.1:1001', '10.0.0.3:1003']);

      const res = await get('/metrics');
      expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
      const text = await res.text();
      expect(promtoolCheckMetrics(text)).toEqual({ ok: true, problems: [], exitCode: 0 });
      const m = metricSamples(text);
      expect({
        requests: m.get('lars_dns_requests_total'),
        pushes: m.get('lars_dns_pushes_total'),
        pushFailures: m.get('lars_dns_push_failures_total'),
        framesIn: m.get('lars_dns_frames_received_total'),
        framesOut: m.get('lars_dns_frames_sent_total'),
        connections: m.get('lars_dns_connections'),
        accepted: m.get('lars_dns_connections_accepted_total'),
        loads: m.get('lars_dns_loads_total'),
        loadSeconds: m.get('lars_dns_route_load_seconds_count'),
        fanouts: m.get('lars_dns_push_fanout_seconds_count'),
        subscribedKeys: m.get('lars_dns_subscribed_keys'),
        subscriptions: m.get('lars_dns_subscriptions'),
        tableRoutes: m.get('lars_dns_table_routes'),
        tableHosts: m.get('lars_dns_table_hosts'),
        mysqlUp: m.get('lars_dns_mysql_up'),
      }).toEqual({
        requests: 3,
        pushes: 1,
        pushFailures: 0,
        framesIn: 3,
        framesOut: 4,
        connections: 1,
        accepted: 1,
        loads: 2,
        loadSeconds: 2,
        fanouts: 1,
        subscribedKeys: 2,
        subscriptions: 2,
        tableRoutes: 2,
        tableHosts: 3,
        mysqlUp: 1,
      });
      expect(m.get('lars_dns_route_version')).toBe(dns.routeVersion);
      expect(m.get('lars_dns_last_load_timestamp_seconds')).toBeGreaterThan(0);
      expect(m.get(`lars_build_info{version="${DNS_VERSION}",daemon="dns"}`)).toBe(1);

      const stats = (await (await get('/stats')).json()) as Record<string, unknown>;
      expect(stats).toMatchObject({
        requests: 3,
        pushes: 1,
        framesIn: 3,
        framesOut: 4,
        loads: 2,
        tableRoutes: 2,
        tableHosts: 3,
        mysqlUp: true,
        routeLoadSeconds: { count: 2 },
        pushFanoutSeconds: { count: 1 },
      });
      expect((stats.lastLoadMs as number) / 1000).toBe(m.get('lars_dns_last_load_seconds'));

      const ready = await get('/readyz');
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({
        ok: true,
        failing: [],
        checks: { table: { ok: true, detail: `version ${dns.routeVersion}, 2 routes, 3 hosts` } },
        info: { mysqlUp: true, routeVersion: dns.routeVersion },
      });
      // Both threads have beaten more than once: their timers run.
      await until(async () => {
        const body = (await (await get('/healthz')).json()) as { checks: Record<string, { beats: number }> };
        return body.checks.main.beats > 1 && body.checks.loader.beats > 1;
      }, 'main and the loader to beat');
      const live = await get('/healthz');
      expect(live.status).toBe(200);
      expect(await live.json()).toMatchObject({
        ok: true,
        failing: [],
        checks: { main: { ok: true }, loader: { ok: true } },
      });
    } finally {
      await c.close();
      await dns.close();
      await http.close();
    }
  });
});
