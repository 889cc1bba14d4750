// Reporter ingest (benchmarks.md): HostCallResult rows per second from agents
// (several TCP clients) into ServerCallStatus, against bare batched upserts
// of the same rows with mysql2 in the same run (the floor). The clients offer
// exactly the floor's rate, so the ratio says whether the reporter keeps up
// with what MySQL takes, and the drop count whether its queues held.
import { createConnection } from 'mysql2/promise';
import { MessageId, type ReportStatusRequest } from '@lars/proto';
import { encodeFrame } from '@lars/wire';
import { upsertCallStatus, type CallStatusRow } from '@lars/store';
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { encodeBody } from '@lars/proto';
import { mysqlSection } from '../test-support/daemon-process.js';
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
const CALLER = 2130706433;

/** Snapshot `round` of route r: one request, HOSTS results. */
function request(r: number, round: number): ReportStatusRequest {
  const results = [];
  for (let h = 0; h < HOSTS; h++)
    results.push({
      ip: 3232235953 + h,
      port: 7000 + h,
      succ: round + h,
      err: round % 7,
      overload: (round + h) % 5 === 0,
    });
  return { modid: r + 1, cmdid: 1, caller: CALLER, ts: 1_700_000_000 + round, results };
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
      }),
    );
    const rate = rows / ((performance.now() - start) / 1000);
    await Promise.all(conns.map((c) => c.end()));
    return rate;
  })();

  // Lars: the reporter in its own process, CLIENTS agents offering the floor's rate.
  const reporter = await startDaemon(
    'packages/reporter/src/main.ts',
    (statsPort) => `${mysqlSection(db)}[reporter]\ndb_thread_cnt = ${WRITERS}\n[stats]\nport = ${statsPort}\n`,
  );
  const sockets: Socket[] = [];
  for (let i = 0; i < CLIENTS; i++) {
    const s = connect(reporter.port, '127.0.0.1');
    await once(s, 'connect');
    sockets.push(s);
  }
  // Pre-encoded frames: the clients' own cost stays out of the measurement.
  const frames: Buffer[] = [];
  for (let round = 0; round < 8; round++) {
    for (let r = 0; r < ROUTES; r++)
      frames.push(
        encodeFrame(MessageId.ReportStatusRequest, encodeBody(MessageId.ReportStatusRequest, request(r, round))),
      );
  }
  const TICK_MS = 10;
  const requestsPerSecond = floorRowsPerSecond / HOSTS;
  let due = 0;
  let sent = 0;
  const before = await reporter.stats();
  const rss: number[] = [reporter.rss()];
  const t0 = performance.now();
  const timer = setInterval(() => {
    due = Math.floor(((performance.now() - t0) / 1000) * requestsPerSecond);
    for (; sent < due; sent++) sockets[sent % CLIENTS].write(frames[sent % frames.length]);
  }, TICK_MS);
  const sampler = setInterval(() => rss.push(reporter.rss()), 5000);
  await new Promise((r) => setTimeout(r, LARS_SECONDS * 1000));
  clearInterval(timer);
  clearInterval(sampler);
  const offered = sent;
  const windowSeconds = (performance.now() - t0) / 1000;
  const after = await reporter.stats();
  rss.push(reporter.rss());
  // Let the queues drain so every offered row is accounted for (written or dropped).
  const drainDeadline = performance.now() + 30_000;
  let final = after;
  while (final.rowsWritten + final.drops * HOSTS < offered * HOSTS && performance.now() < drainDeadline) {
    await new Promise((r) => setTimeout(r, 100));
    final = await reporter.stats();
  }
  for (const s of sockets) s.destroy();
  await reporter.stop();

  const larsRowsPerSecond = (after.rowsWritten - before.rowsWritten) / windowSeconds;
  const mib = (b: number) => Math.round((b / 2 ** 20) * 10) / 10;
  const result = {
    benchmark: 'reporter-ingest',
    machine: machine(),
    writers: WRITERS,
    clients: CLIENTS,
    seconds: LARS_SECONDS,
    floorRowsPerSecond: Math.round(floorRowsPerSecond),
    offeredRowsPerSecond: Math.round((offered * HOSTS) / windowSeconds),
    larsRowsPerSecond: Math.round(larsRowsPerSecond),
    ratio: larsRowsPerSecond / floorRowsPerSecond,
    drops: final.drops,
    rowsWrittenAfterDrain: final.rowsWritten - before.rowsWritten,
    rowsOffered: offered * HOSTS,
    rssMiB: rss.map(mib),
  };
  if (args.json) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } else {
    const m = result.machine;
    process.stdout.write(
      `reporter ingest: ${m.cores} cores, ${m.cpu}, node ${m.node}; ${WRITERS} writers, ${CLIENTS} clients, ` +
        `${HOSTS} rows per request, ${ROUTES * HOSTS} distinct rows; floor ${FLOOR_SECONDS} s, reporter ${LARS_SECONDS} s at the floor's rate\n\n`,
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
  }
} finally {
  await db.drop();
}
