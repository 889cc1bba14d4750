// Reporter ingest (benchmarks.md): HostCallResult rows per second from agents
// (several TCP clients) into ServerCallStatus, against bare batched upserts
// of the same rows with mysql2 in the same run (the floor), and the
// reporter's CPU per row with the call-status rollup on and off.
//   1. The floor: MySQL's rate for the bare upserts.
//   2. Ingest: the reporter (rollup on, the default) offered exactly the
//      floor's rate; the ratio says whether it keeps up with what MySQL
//      takes, the drop count whether its queues held.
//   3. CPU per row: RUNS runs each with the rollup off and on, alternated
//      (off, on, off, on, ...) so drift in the machine or MySQL hits both
//      alike, each offered half the floor's rate (below what both sustain,
//      so batching is alike); the reporter process's CPU (user + system,
//      every thread, from its /metrics) over the window and the drain,
//      divided by the rows it wrote. Medians, and their ratio. Each route
//      reports once a second there, as an agent does (report_interval_ms).
//      The window lasts one rollup_flush (30 s, the default) and the
//      flush falls inside it ("flushes" in the table), so a run carries the
//      rollup's writes at their steady-state rate, one row per stream per
//      flush; the extra flush at close, once per process, is left out.
// Every snapshot carries new calls (succ grows each round, ts with it), so
// each row also yields a rollup row: the rollup's worst case.
import { createConnection } from 'mysql2/promise';
import { MessageId, type ReportStatusRequest } from '@lars/proto';
import { encodeFrame } from '@lars/wire';
import { upsertCallStatus, type CallStatusRow } from '@lars/store';
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { encodeBody } from '@lars/proto';
import { mysqlSection } from '../test-support/daemon-process.js';
import type { TestDatabase } from '../test-support/db.js';
import { machine, parseBenchArgs, printTable } from './bench-common.js';
import { startDaemon } from './daemon-harness.js';
import { benchDatabase } from './dns-harness.js';

const args = parseBenchArgs();
const ROUTES = 1000;
const HOSTS = 10;
const WRITERS = 3;
const CLIENTS = 4;
// Same length for both: MySQL's sustained upsert rate drifts down over a
// long run (purge work builds up), so a short floor would overstate it.
const LARS_SECONDS = args.long ? 60 : 10;
const FLOOR_SECONDS = LARS_SECONDS;
const FLOOR_BATCH_ROWS = 1000;
/** Runs per setting in the CPU comparison (alternated), and each one's window. */
const CPU_RUNS = 5;
/** One and two rollup_flush intervals (the default, 30 s): the window's flushes are its steady-state share. */
const CPU_SECONDS = args.long ? 60 : 30;
const CPU_LOAD = 0.5;
const CALLER = 2130706433;
const TS0 = 1_700_000_000;

/** Snapshot `round` of route r: one request, HOSTS results; counts and ts grow with the round. */
function request(r: number, round: number): ReportStatusRequest {
  const results = [];
  for (let h = 0; h < HOSTS; h++)
    results.push({
      ip: 3232235953 + h,
      port: 7000 + h,
      succ: round * 3 + h,
      err: round,
      overload: false,
    });
  return { modid: r + 1, cmdid: 1, caller: CALLER, ts: TS0 + round, results };
}

function rowsOf(req: ReportStatusRequest): CallStatusRow[] {
  return req.results!.map((x) => [
    req.modid!,
    req.cmdid!,
    x.ip!,
    x.port!,
    CALLER,
    x.succ!,
    x.err!,
    req.ts!,
    x.overload ? '1' : '0',
  ]);
}

/** The reporter process's CPU seconds (user + system, all threads), from prom-client's default metrics. */
async function cpuSeconds(statsPort: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${statsPort}/metrics`)).text();
  const m = /^process_cpu_seconds_total (\S+)$/m.exec(text);
  if (m === null) throw new Error('process_cpu_seconds_total missing from /metrics');
  return Number(m[1]);
}

interface RunResult {
  rowsWritten: number;
  rowsPerSecond: number;
  offered: number;
  drops: number;
  cpuSeconds: number;
  rollupRowsWritten: number;
  rss: number[];
}

/** Rounds are numbered across runs, so ts only moves forward in the shared database. */
let nextRound = 0;

/** One reporter process, offered `rowsPerSecond` over `routes` routes for `seconds` after a warm-up round. */
async function runReporter(db: TestDatabase, rollup: boolean, rowsPerSecond: number, seconds: number, routes: number) {
  let statsPort = 0;
  const reporter = await startDaemon('packages/reporter/src/main.ts', (p) => {
    statsPort = p;
    return `${mysqlSection(db)}[reporter]\ndb_thread_cnt = ${WRITERS}\nrollup = ${rollup ? 'on' : 'off'}\n[stats]\nport = ${p}\n`;
  });
  const sockets: Socket[] = [];
  for (let i = 0; i < CLIENTS; i++) {
    const s = connect(reporter.port, '127.0.0.1');
    await once(s, 'connect');
    sockets.push(s);
  }
  const requestsPerSecond = rowsPerSecond / HOSTS;
  // Pre-encoded frames: the clients' own cost stays out of the measurement. Round 0 warms up.
  const rounds = Math.ceil((requestsPerSecond * seconds) / routes) + 2;
  const frames: Buffer[] = [];
  for (let round = 0; round < rounds; round++)
    for (let r = 0; r < routes; r++)
      frames.push(
        encodeFrame(
          MessageId.ReportStatusRequest,
          encodeBody(MessageId.ReportStatusRequest, request(r, nextRound + round)),
        ),
      );
  nextRound += rounds;
  // Warm-up: one round, so each writer's connection and rollup state exist before the window.
  for (let i = 0; i < routes; i++) sockets[i % CLIENTS].write(frames[i]);
  const waitWritten = async (rows: number, deadlineMs: number) => {
    let s = await reporter.stats();
    while (s.rowsWritten + s.drops * HOSTS < rows && performance.now() < deadlineMs) {
      await new Promise((r) => setTimeout(r, 50));
      s = await reporter.stats();
    }
    return s;
  };
  const before = await waitWritten(routes * HOSTS, performance.now() + 30_000);
  const cpu0 = await cpuSeconds(statsPort);
  const TICK_MS = 10;
  let sent = routes;
  const rss: number[] = [reporter.rss()];
  const t0 = performance.now();
  const timer = setInterval(() => {
    const due = Math.min(frames.length, routes + Math.floor(((performance.now() - t0) / 1000) * requestsPerSecond));
    for (; sent < due; sent++) sockets[sent % CLIENTS].write(frames[sent]);
  }, TICK_MS);
  const sampler = setInterval(() => rss.push(reporter.rss()), 5000);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  clearInterval(timer);
  clearInterval(sampler);
  const windowSeconds = (performance.now() - t0) / 1000;
  const after = await reporter.stats();
  rss.push(reporter.rss());
  // Let the queues drain so every offered row is accounted for (written or dropped).
  const final = await waitWritten(sent * HOSTS, performance.now() + 30_000);
  const cpu1 = await cpuSeconds(statsPort);
  for (const s of sockets) s.destroy();
  await reporter.stop();
  return {
    rowsWritten: final.rowsWritten - before.rowsWritten,
    rowsPerSecond: (after.rowsWritten - before.rowsWritten) / windowSeconds,
    offered: (sent - routes) * HOSTS,
    drops: final.drops,
    cpuSeconds: cpu1 - cpu0,
    rollupRowsWritten: (final.rollupRowsWritten ?? 0) - (before.rollupRowsWritten ?? 0),
    rss,
  } satisfies RunResult;
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const db = await benchDatabase();
try {
  // Floor: WRITERS connections, each upserting its share of the routes in batches, as fast as MySQL takes them.
  const floorRowsPerSecond = await (async () => {
    const conns = await Promise.all(
      Array.from({ length: WRITERS }, () =>
        createConnection({ host: db.host, port: db.port, user: db.user, password: db.password, database: db.name }),
      ),
    );
    let rows = 0;
    const end = performance.now() + FLOOR_SECONDS * 1000;
    const start = performance.now();
    await Promise.all(
      conns.map(async (conn, w) => {
        let round = 0;
        while (performance.now() < end) {
          const batch: CallStatusRow[] = [];
          for (let r = w; r < ROUTES && batch.length < FLOOR_BATCH_ROWS; r += WRITERS)
            batch.push(...rowsOf(request(r, round)));
          round++;
          await upsertCallStatus(conn, batch);
          rows += batch.length;
        }
        nextRound = Math.max(nextRound, round);
      }),
    );
    const rate = rows / ((performance.now() - start) / 1000);
    await Promise.all(conns.map((c) => c.end()));
    return rate;
  })();

  const ingest = await runReporter(db, true, floorRowsPerSecond, LARS_SECONDS, ROUTES);

  const cpuRate = floorRowsPerSecond * CPU_LOAD;
  // As many routes as requests per second: each route reports once a second, as an agent's report_interval_ms.
  const cpuRoutes = Math.max(1, Math.round(cpuRate / HOSTS));
  const perRow = { off: [] as number[], on: [] as number[] };
  const runs: Array<Record<string, string | number>> = [];
  for (let i = 0; i < CPU_RUNS * 2; i++) {
    const rollup = i % 2 === 1;
    const r = await runReporter(db, rollup, cpuRate, CPU_SECONDS, cpuRoutes);
    const us = (r.cpuSeconds / r.rowsWritten) * 1e6;
    (rollup ? perRow.on : perRow.off).push(us);
    runs.push({
      run: i + 1,
      rollup: rollup ? 'on' : 'off',
      'rows written': r.rowsWritten,
      'rollup rows': r.rollupRowsWritten,
      flushes: r.rollupRowsWritten / (cpuRoutes * HOSTS),
      drops: r.drops,
      'CPU s': r.cpuSeconds,
      'CPU µs/row': us,
    });
  }
  const cpuOff = median(perRow.off);
  const cpuOn = median(perRow.on);

  const mib = (b: number) => Math.round((b / 2 ** 20) * 10) / 10;
  const result = {
    benchmark: 'reporter-ingest',
    machine: machine(),
    writers: WRITERS,
    clients: CLIENTS,
    seconds: LARS_SECONDS,
    floorRowsPerSecond: Math.round(floorRowsPerSecond),
    offeredRowsPerSecond: Math.round(ingest.offered / LARS_SECONDS),
    larsRowsPerSecond: Math.round(ingest.rowsPerSecond),
    ratio: ingest.rowsPerSecond / floorRowsPerSecond,
    drops: ingest.drops,
    rowsWrittenAfterDrain: ingest.rowsWritten,
    rowsOffered: ingest.offered,
    rssMiB: ingest.rss.map(mib),
    cpu: {
      runsPerSetting: CPU_RUNS,
      seconds: CPU_SECONDS,
      offeredRowsPerSecond: Math.round(cpuRate),
      routes: cpuRoutes,
      microsPerRowOff: perRow.off,
      microsPerRowOn: perRow.on,
      medianMicrosPerRowOff: cpuOff,
      medianMicrosPerRowOn: cpuOn,
      rollupCostRatio: cpuOn / cpuOff,
    },
  };
  if (args.json) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } else {
    const m = result.machine;
    process.stdout.write(
      `reporter ingest: ${m.cores} cores, ${m.cpu}, node ${m.node}; ${WRITERS} writers, ${CLIENTS} clients, ` +
        `${HOSTS} rows per request, ${ROUTES * HOSTS} distinct rows; floor ${FLOOR_SECONDS} s, reporter ${LARS_SECONDS} s at the floor's rate (rollup on)\n\n`,
    );
    printTable([
      {
        'floor rows/s': result.floorRowsPerSecond,
        'offered rows/s': result.offeredRowsPerSecond,
        'reporter rows/s': result.larsRowsPerSecond,
        ratio: result.ratio,
        drops: result.drops,
        'written / offered': `${result.rowsWrittenAfterDrain} / ${result.rowsOffered}`,
      },
    ]);
    process.stdout.write(`\nreporter RSS MiB over the run (every 5 s): ${result.rssMiB.join(', ')}\n`);
    process.stdout.write(
      `\nreporter CPU per row, rollup off and on alternated, ${CPU_RUNS} runs each of ${CPU_SECONDS} s at ${Math.round(cpuRate)} rows/s offered (${cpuRoutes} routes, each once a second):\n\n`,
    );
    printTable(runs);
    process.stdout.write(
      `\nmedian CPU per row: rollup off ${cpuOff.toFixed(2)} µs, on ${cpuOn.toFixed(2)} µs; ratio on/off ${(cpuOn / cpuOff).toFixed(3)} (goal <= 1.100)\n`,
    );
  }
} finally {
  await db.drop();
}
