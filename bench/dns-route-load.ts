// DNS route load (benchmarks.md): time to load N RouteData rows into a
// served table, against the bare mysql2 SELECT of the same rows in the same
// run; and the p99 latency of GetRoute requests served while a reload runs.
import { createConnection } from 'mysql2/promise';
import { LOAD_ROUTES_SQL } from '@lars/dns/internal';
import { changeRoutes } from '@lars/store';
import { machine, parseBenchArgs, percentile, printTable } from './bench-common.js';
import { benchDatabase, fillRoutes, RouteConnection, startDnsProcess } from './dns-harness.js';

const args = parseBenchArgs();
const SIZES = [10_000, 100_000, 1_000_000];
const REPEATS = args.long ? 9 : 5;
const LOAD_CLIENTS = 4;

const median = (xs: number[]) => percentile(xs, 50);

interface Point {
  rows: number;
  selectSeconds: number;
  loadSeconds: number;
  ratio: number;
  requestsDuringReload: number;
  p50DuringReloadMs: number;
  p99DuringReloadMs: number;
  dnsRssMiB: number;
}

async function measure(rows: number): Promise<Point> {
  const db = await benchDatabase();
  try {
    await fillRoutes(db, rows);
    const bare = await createConnection({
      host: db.host,
      port: db.port,
      user: db.user,
      password: db.password,
      database: db.name,
    });
    const selects: number[] = [];
    const bareSelect = async (): Promise<void> => {
      const t0 = performance.now();
      await bare.query(LOAD_ROUTES_SQL);
      selects.push((performance.now() - t0) / 1000);
    };

    const dns = await startDnsProcess(db, { checkInterval: 0.05, reloadInterval: 3600 });
    const probe = await RouteConnection.open(dns.port);
    const clients = await Promise.all(Array.from({ length: LOAD_CLIENTS }, () => RouteConnection.open(dns.port)));
    const admin = await db.admin.getConnection();
    const loads: number[] = [];
    const during: number[] = [];
    let added = 0;
    /** Commits a change and resolves once the probe holds the new route: the reload is done and served. */
    const reload = async (): Promise<{ start: number; end: number }> => {
      await new Promise((r) => setTimeout(r, 200));
      added++;
      const pushed = probe.waitFor(0, 1, (hosts) => hosts === 10 + added);
      const start = performance.now();
      await changeRoutes(admin, [{ op: 'add', modid: 0, cmdid: 1, ip: 167772160 + added, port: 1 }]);
      await pushed;
      return { start, end: performance.now() };
    };
    try {
      probe.subscribe(0, 1);
      // Load time, alternating with the bare SELECT under the same (no) request load ...
      for (let i = 0; i < REPEATS; i++) {
        await bareSelect();
        await reload();
        loads.push((await dns.stats()).lastSwapMs / 1000);
      }
      await bare.end();
      // ... then request latency while reloads run under a steady request load.
      for (const c of clients) c.loop(rows / 10);
      for (let i = 0; i < REPEATS; i++) {
        const { start, end } = await reload();
        for (const c of clients) for (const [at, ms] of c.samples) if (at >= start && at <= end) during.push(ms);
      }
      for (const c of clients) c.stop();
      const rss = dns.rss();
      const selectSeconds = median(selects);
      const loadSeconds = median(loads);
      return {
        rows,
        selectSeconds,
        loadSeconds,
        ratio: loadSeconds / selectSeconds,
        requestsDuringReload: during.length,
        p50DuringReloadMs: percentile(during, 50),
        p99DuringReloadMs: percentile(during, 99),
        dnsRssMiB: rss / 2 ** 20,
      };
    } finally {
      admin.release();
      probe.close();
      for (const c of clients) c.close();
      await dns.stop();
    }
  } finally {
    await db.drop();
  }
}

const points: Point[] = [];
for (const rows of SIZES) points.push(await measure(rows));
const result = {
  benchmark: 'dns-route-load',
  machine: machine(),
  repeats: REPEATS,
  points,
  /** Load time / bare SELECT time at the largest size (goal: <= 1.5). */
  ratio: points[points.length - 1].ratio,
};
if (args.json) {
  process.stdout.write(`${JSON.stringify(result)}\n`);
} else {
  const m = result.machine;
  process.stdout.write(
    `DNS route load: ${m.cores} cores, ${m.cpu}, node ${m.node}; median of ${REPEATS}, floor and load alternating, both with no request load; ` +
      `\n  latency measured with ${LOAD_CLIENTS} clients asking for routes during further reloads\n` +
      'ratio = load-and-swap time / bare mysql2 SELECT time (lower is better; goal <= 1.5)\n\n',
  );
  printTable(
    points.map((p) => ({
      rows: p.rows,
      'bare SELECT s': p.selectSeconds,
      'load+swap s': p.loadSeconds,
      ratio: p.ratio,
      'requests in reload': p.requestsDuringReload,
      'p50 ms': p.p50DuringReloadMs,
      'p99 ms': p.p99DuringReloadMs,
      'DNS RSS MiB': Math.round(p.dnsRssMiB),
    })),
  );
}
