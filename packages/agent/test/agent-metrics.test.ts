// The agent's /metrics, /stats, /healthz and /readyz over HTTP, with a real
// DNS and reporter: the exposition passes promtool, the counters say exactly
// what the traffic was, readiness follows the DNS link, and a worker that
// stops beating makes /healthz name it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentPortIndex, RetCode } from '@lars/proto';
import type { HealthReport, ThreadHealth } from '@lars/reactor';
import { AGENT_METRICS, stopWorkerHeartbeat, WORKER_COUNTERS, workerStatsKey } from '../src/internal.js';
import { promtoolCheckMetrics } from '../../../test-support/promtool.js';
import { metricSamples, serveStatsEndpoint, type StatsEndpoint } from '../../../test-support/stats-endpoint.js';
import { until } from '../../../test-support/wait.js';
import { AgentSystem } from './agent-system.js';

const MODID = 1;
const CMDID = 1;
const WORKER = String(agentPortIndex(MODID, CMDID));
const HOSTS = ['10.1.0.1:1001', '10.1.0.2:1002'];
/** get_host requests after the route is held (all SUCC), and reports. */
const N = 48;
const REPORTS = 5;

const sys = new AgentSystem();
let endpoint: StatsEndpoint;
const get = (path: string) => endpoint.get(path);
const health = async (path: '/healthz' | '/readyz') => {
  const res = await get(path);
  return { status: res.status, body: (await res.json()) as HealthReport };
};

beforeAll(async () => {
  // Three worker threads (one per port): every thread has its own heartbeat and health check.
  await sys.start({
    threads: 3,
    heartbeat: { intervalMs: 20, deadAfterMs: 1_000 },
    loadBalance: { reportIntervalMs: 50 },
  });
  await sys.addHosts(MODID, CMDID, ...HOSTS);
  endpoint = await serveStatsEndpoint(sys.agent);
});
afterAll(async () => {
  await endpoint?.close();
  await sys.stop();
});

/** The sum of a metric's series over every `worker`. */
const overWorkers = (m: Map<string, number>, name: string) =>
  [0, 1, 2].reduce((n, w) => n + (m.get(`${name}{worker="${w}"}`) ?? 0), 0);

describe('agent metrics and health endpoints', () => {
  it('derives one {worker} metric per worker counter, under its /stats key', () => {
    for (const c of WORKER_COUNTERS) {
      expect(AGENT_METRICS[workerStatsKey(c)], c.name).toMatchObject({ label: 'worker' });
    }
    expect(AGENT_METRICS.getHostRequests.name).toBe('get_host_requests_total');
    expect(AGENT_METRICS.routes).toMatchObject({ name: 'routes', type: 'gauge' });
  });

  it('serves promtool-clean /metrics whose counters match the traffic, and /stats per worker', async () => {
    // Until the route is pulled the worker answers NOEXIST; every request is counted.
    let sent = 0;
    let succ = 0;
    await until(async () => {
      sent++;
      const ok = (await sys.client.getHost(MODID, CMDID)).ret === RetCode.SUCC;
      if (ok) succ++;
      return ok;
    }, 'the route to be pulled');
    for (let i = 0; i < N; i++) {
      expect((await sys.client.getHost(MODID, CMDID)).ret).toBe(RetCode.SUCC);
    }
    sent += N;
    succ += N;
    for (let i = 0; i < REPORTS; i++) sys.client.report(MODID, CMDID, HOSTS[0], 0, 1);
    await until(() => {
      const s = sys.agent.stats();
      return s.getHostRequests === sent && s.reportRequests === REPORTS && (s.reportsSent as number) > 0;
    }, 'the worker to publish the traffic and a report to reach the reporter');

    const res = await get('/metrics');
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await res.text();
    expect(promtoolCheckMetrics(text)).toEqual({ ok: true, problems: [], exitCode: 0 });
    const m = metricSamples(text);
    const dnsPeer = `peer="127.0.0.1:${sys.dnsPort}"`;
    const reporterPeer = `peer="127.0.0.1:${sys.reporterPort}"`;
    expect({
      getHost: m.get(`lars_agent_get_host_requests_total{worker="${WORKER}"}`),
      getHostAll: overWorkers(m, 'lars_agent_get_host_requests_total'),
      picksSucc: overWorkers(m, 'lars_agent_picks_succ_total'),
      picksNoexist: overWorkers(m, 'lars_agent_picks_noexist_total'),
      reports: overWorkers(m, 'lars_agent_report_requests_total'),
      reportsOk: overWorkers(m, 'lars_agent_reports_ok_total'),
      wrongPort: overWorkers(m, 'lars_agent_wrong_port_total'),
      routes: m.get(`lars_agent_routes{worker="${WORKER}"}`),
      workersAlive: m.get('lars_agent_workers_alive'),
      dnsConnected: m.get('lars_agent_dns_connected'),
      dnsLinkUp: m.get(`lars_agent_dns_link_up{${dnsPeer}}`),
      dnsLinkConnects: m.get(`lars_agent_dns_link_connects_total{${dnsPeer}}`),
      reporterLinkUp: m.get(`lars_agent_reporter_link_up{${reporterPeer}}`),
      reporterLinkConnects: m.get(`lars_agent_reporter_link_connects_total{${reporterPeer}}`),
      reportersConnected: m.get('lars_agent_reporters_connected'),
    }).toEqual({
      getHost: sent,
      getHostAll: sent,
      picksSucc: succ,
      picksNoexist: sent - succ,
      reports: REPORTS,
      reportsOk: REPORTS,
      wrongPort: 0,
      routes: 1,
      workersAlive: 3,
      dnsConnected: 1,
      dnsLinkUp: 1,
      dnsLinkConnects: 1,
      reporterLinkUp: 1,
      reporterLinkConnects: 1,
      reportersConnected: 1,
    });
    expect(m.get('lars_agent_pulls_sent_total')).toBeGreaterThanOrEqual(1);
    expect(m.get('lars_agent_routes_in_total')).toBeGreaterThanOrEqual(1);
    expect(m.get('lars_agent_reports_sent_total')).toBe(sys.agent.stats().reportsSent);
    // The first get_host of a worker is timed, then 1 in DEFAULT_LATENCY_SAMPLE_EVERY.
    expect(m.get(`lars_agent_get_host_seconds_count{worker="${WORKER}"}`)).toBeGreaterThan(0);
    expect(m.get(`lars_agent_get_host_seconds_bucket{worker="${WORKER}",le="+Inf"}`)).toBe(
      m.get(`lars_agent_get_host_seconds_count{worker="${WORKER}"}`),
    );
    expect([...m.keys()].some((k) => k.startsWith('lars_build_info{') && k.includes('daemon="agent"'))).toBe(true);

    const stats = (await (await get('/stats')).json()) as Record<string, unknown>;
    expect(Object.keys(stats)).toEqual(Object.keys(AGENT_METRICS));
    expect(stats).toMatchObject({
      getHostRequests: { [WORKER]: sent },
      picksSucc: { [WORKER]: succ },
      dnsConnected: true,
      reportersConnected: 1,
      workersAlive: 3,
      dnsLinkUp: { [`127.0.0.1:${sys.dnsPort}`]: 1 },
    });
  });

  it('is ready with a DNS link, 503 naming it while the DNS is down, and ready again when it is back', async () => {
    const ready = await health('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({
      ok: true,
      failing: [],
      checks: {
        workers: { ok: true, detail: '3 of 3 workers running' },
        dns: { ok: true, detail: `DNS link up to 127.0.0.1:${sys.dnsPort}` },
      },
      info: { reporters: { [`127.0.0.1:${sys.reporterPort}`]: true } },
    });

    await sys.dns.close();
    await until(async () => (await health('/readyz')).status === 503, '/readyz to fail without the DNS');
    const degraded = await health('/readyz');
    expect(degraded.body.failing).toEqual(['dns']);
    expect(degraded.body.checks.dns.detail).toBe(`no DNS link up (configured: 127.0.0.1:${sys.dnsPort})`);
    // The agent keeps answering from the routes it holds.
    expect((await sys.client.getHost(MODID, CMDID)).ret).toBe(RetCode.SUCC);

    await sys.startDns();
    await until(async () => (await health('/readyz')).status === 200, '/readyz to recover with the DNS');
    expect(sys.agent.stats().dnsLinkConnects).toEqual({ [`127.0.0.1:${sys.dnsPort}`]: 2 });
  });

  it('is live while every thread beats, and 503 naming a worker that stopped', async () => {
    await until(async () => {
      const { body } = await health('/healthz');
      return Object.values(body.checks).every((c) => (c as ThreadHealth).beats > 1);
    }, 'main and the three workers to beat');
    const live = await health('/healthz');
    expect(live.status).toBe(200);
    expect(Object.keys(live.body.checks)).toEqual(['main', 'worker0', 'worker1', 'worker2']);

    expect(stopWorkerHeartbeat(sys.agent, 1)).toBe(true);
    await until(async () => (await health('/healthz')).status === 503, '/healthz to see worker1 stop');
    const dead = await health('/healthz');
    expect(dead.body.failing).toEqual(['worker1']);
    expect(dead.body.checks.worker1.detail).toMatch(/^no heartbeat for \d+ ms$/);
    // Only the heartbeat stopped: the worker still serves.
    expect((await sys.client.getHost(1, 0)).ret).toBe(RetCode.NOEXIST);
  });
});
