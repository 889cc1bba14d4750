import { afterEach, describe, expect, it } from 'vitest';
import { healthReport } from '../src/health.js';
import { legacyStatsSource, renderPrometheus, StatsHttpServer } from '../src/stats-http.js';

let server: StatsHttpServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

describe('renderPrometheus', () => {
  it('renders numbers, booleans and labelled numbers; leaves strings out', () => {
    const text = renderPrometheus('lars_dns', {
      connections: 3,
      mysqlUp: true,
      drops: { '0': 1, '2': 5 },
      state: 'up',
      'bad-name': 7,
    });
    expect(text).toBe(
      [
        '# TYPE lars_dns_connections gauge',
        'lars_dns_connections 3',
        '# TYPE lars_dns_mysqlUp gauge',
        'lars_dns_mysqlUp 1',
        '# TYPE lars_dns_drops gauge',
        'lars_dns_drops{key="0"} 1',
        'lars_dns_drops{key="2"} 5',
        '# TYPE lars_dns_bad_name gauge',
        'lars_dns_bad_name 7',
        '',
      ].join('\n'),
    );
  });
});

describe('StatsHttpServer', () => {
  it('serves /metrics and /stats from the collector on loopback, 404 elsewhere', async () => {
    let requests = 0;
    server = new StatsHttpServer(legacyStatsSource(() => ({ requests: ++requests, state: 'up' }), 'lars_test'));
    const { address, port } = await server.listen();
    expect(address).toBe('127.0.0.1');
    const metrics = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('lars_test_requests 1');
    const stats = await fetch(`http://127.0.0.1:${port}/stats`);
    expect(await stats.json()).toEqual({ requests: 2, state: 'up' });
    expect((await fetch(`http://127.0.0.1:${port}/other`)).status).toBe(404);
  });

  it('answers 500 when the collector throws, and keeps serving', async () => {
    let fail = true;
    server = new StatsHttpServer(
      legacyStatsSource(() => {
        if (fail) throw new Error('boom');
        return { ok: 1 };
      }, 'lars_test'),
    );
    const { port } = await server.listen();
    expect((await fetch(`http://127.0.0.1:${port}/stats`)).status).toBe(500);
    fail = false;
    expect(await (await fetch(`http://127.0.0.1:${port}/stats`)).json()).toEqual({ ok: 1 });
  });

  it('answers /healthz and /readyz from the daemon health: 200 when ok, 503 with the failing checks', async () => {
    let loaded = false;
    server = new StatsHttpServer(
      legacyStatsSource(() => ({}), 'lars_test'),
      {
        health: {
          live: () => healthReport({ main: { ok: true, detail: 'beating' } }),
          ready: () =>
            healthReport({ table: { ok: loaded, detail: loaded ? 'loaded' : 'none yet' } }, { mysqlUp: false }),
        },
      },
    );
    const { port } = await server.listen();
    const healthz = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(healthz.status).toBe(200);
    expect(await healthz.json()).toEqual({ ok: true, failing: [], checks: { main: { ok: true, detail: 'beating' } } });
    const notReady = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toEqual({
      ok: false,
      failing: ['table'],
      checks: { table: { ok: false, detail: 'none yet' } },
      info: { mysqlUp: false },
    });
    loaded = true;
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
  });

  it('says 200 on /healthz and /readyz for a daemon that declares no health', async () => {
    server = new StatsHttpServer(legacyStatsSource(() => ({}), 'lars_test'));
    const { port } = await server.listen();
    for (const path of ['/healthz', '/readyz']) {
      const res = await fetch(`http://127.0.0.1:${port}${path}`);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ ok: true, failing: [] });
    }
  });
});
