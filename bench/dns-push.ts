// DNS push (benchmarks.md): time from a committed route change to a
// subscribed client holding the new hosts, p50/p99 over 20 changes, against
// the check interval (the floor: a change waits for the next RouteVersion
// check, on average half an interval).
import { changeRoutes } from '@lars/store';
import { machine, parseBenchArgs, percentile, printTable } from './bench-common.js';
import { benchDatabase, RouteConnection, startDnsProcess } from './dns-harness.js';

const args = parseBenchArgs();
const CHANGES = args.long ? 60 : 20;
const CHECK_INTERVAL_S = 1;

const db = await benchDatabase();
const dns = await startDnsProcess(db, { checkInterval: CHECK_INTERVAL_S, reloadInterval: 10 });
const client = await RouteConnection.open(dns.port);
const admin = await db.admin.getConnection();
const delays: number[] = [];
try {
  client.subscribe(1, 1);
  for (let i = 1; i <= CHANGES; i++) {
    // Commit at a random point of the check cycle.
    await new Promise((r) => setTimeout(r, Math.random() * CHECK_INTERVAL_S * 1000));
    const pushed = client.waitFor(1, 1, (hosts) => hosts === i);
    const t0 = performance.now();
    await changeRoutes(admin, [{ op: 'add', modid: 1, cmdid: 1, ip: 167772160 + i, port: 7000 }]);
    await pushed;
    delays.push(performance.now() - t0);
  }
} finally {
  admin.release();
  client.close();
  await dns.stop();
  await db.drop();
}

const checkMs = CHECK_INTERVAL_S * 1000;
const p50 = percentile(delays, 50);
const p99 = percentile(delays, 99);
const result = {
  benchmark: 'dns-push',
  machine: machine(),
  changes: CHANGES,
  checkIntervalMs: checkMs,
  p50Ms: p50,
  p99Ms: p99,
  maxMs: Math.max(...delays),
  /** p99 / check interval (goal: p99 < check interval + 200 ms, i.e. ratio < 1.2). */
  ratio: p99 / checkMs,
};
if (args.json) {
  process.stdout.write(`${JSON.stringify(result)}\n`);
} else {
  const m = result.machine;
  process.stdout.write(
    `DNS push: ${m.cores} cores, ${m.cpu}, node ${m.node}; ${CHANGES} changes, commit -> client holds the new hosts\n\n`,
  );
  printTable([
    {
      changes: CHANGES,
      'check interval ms': checkMs,
      'p50 ms': p50,
      'p99 ms': p99,
      'max ms': result.maxMs,
      'p99 / interval': result.ratio,
    },
  ]);
}
