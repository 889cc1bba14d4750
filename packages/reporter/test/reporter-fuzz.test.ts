// Seeded fuzz of the reporter's TCP port, through the real daemon (a child
// process) and the real MariaDB: 10,000 inputs in a fixed mix of valid
// ReportStatusRequests, mutated ones and random bytes, each classified by the
// reference decoder of test-support/fuzz-inputs.ts. Afterwards the reporter
// must store a valid report correctly, its counters must account for every
// input and every row, its RSS must stay under 1.5x its value before, and
// ServerCallStatus must hold exactly the distinct storable rows of the valid
// requests: nothing from an input that was not one. LARS_FUZZ_SEED=<n> reruns one seed.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test-support/db.js';
import { mysqlSection, type DaemonProcess } from '../../../test-support/daemon-process.js';
import {
  daemonStats,
  expectTcpMix,
  startReadyDaemon,
  tcpWanted,
  untilCounted,
} from '../../../test-support/fuzz-daemon.js';
import { rssKb, sendTcpFuzz } from '../../../test-support/fuzz-driver.js';
import { encodeFuzzFrame, generateInputs } from '../../../test-support/fuzz-inputs.js';
import { FuzzRandom, fuzzSeed } from '../../../test-support/fuzz-random.js';
import type { FuzzMessage } from '../../../test-support/fuzz-schema.js';
import { freePort } from '../../../test-support/ports.js';
import { ReportClient, snapshot } from './report-client.js';

const INPUTS = 10_000;
const SEED = fuzzSeed();

let db: TestDatabase;
let reporter: DaemonProcess;
let port: number;
let statsPort: number;

const stats = () => daemonStats(statsPort);

/** A valid ReportStatusRequest over a small key space, so rows repeat (upserts) as from real agents. */
function validReport(r: FuzzRandom): Buffer {
  const results: FuzzMessage[] = Array.from({ length: r.below(4) }, () => ({
    ip: r.chance(0.8) ? 0x0a00_0000 + r.below(40) : r.uint32(),
    // Now and then a negative port: a valid request whose row MySQL cannot hold (rows_rejected).
    port: r.chance(0.97) ? r.pick([80, 443, 8080, r.between(0, 65_535)]) : r.between(-5, -1),
    succ: r.chance(0.5) ? r.below(1000) : r.uint32(),
    err: r.below(100),
    overload: r.chance(0.2),
  }));
  return encodeFuzzFrame(r, 3, {
    modid: r.chance(0.8) ? r.between(1, 20) : r.int32(),
    cmdid: r.between(1, 3),
    caller: r.pick([0x7f00_0001, 0xc0a8_0101, 0x0a01_0203]),
    results,
    ts: 1_700_000_000 + r.below(1000),
  });
}

/** A ServerCallStatus primary key as the test writes it. */
const rowKey = (modid: number, cmdid: number, ip: number, port: number, caller: number) =>
  `${modid}/${cmdid}/${ip}/${port}/${caller}`;

beforeAll(async () => {
  db = await createTestDatabase();
  [port, statsPort] = [await freePort(), await freePort()];
  reporter = await startReadyDaemon(
    'packages/reporter/src/main.ts',
    `[reactor]\nip = 127.0.0.1\nport = ${port}\n${mysqlSection(db)}[reporter]\ndb_thread_cnt = 2\n[stats]\nport = ${statsPort}\n`,
    statsPort,
    { LARS_LOG_LEVEL: 'error' },
  );
});

afterAll(async () => {
  await reporter?.stop('SIGKILL');
  await db?.drop();
});

describe(`reporter fuzz (seed ${SEED}; LARS_FUZZ_SEED=${SEED} reruns it)`, () => {
  it('counts every one of 10,000 inputs, stores exactly the valid rows, and keeps its RSS', async () => {
    console.log(`reporter fuzz: seed ${SEED} (rerun with LARS_FUZZ_SEED=${SEED})`);
    const rng = new FuzzRandom(SEED);
    const inputs = generateInputs(rng, {
      count: INPUTS,
      valid: validReport,
      msgids: [0, 1, 2, 3, 4, 6, 99, -1],
      maxRandomBytes: 96,
    });

    // A report before the run, stored correctly: the baseline of the counters and the RSS.
    const client = await ReportClient.connect(port);
    client.send(snapshot(9001, 1, 0x0a09_0909, 9, 3, 1));
    await vi.waitFor(async () => expect((await stats()).rowsWritten).toBe(1), { timeout: 10_000, interval: 50 });
    const before = await stats();
    const rssBefore = rssKb(reporter.child.pid as number);

    const expected = await sendTcpFuzz(port, inputs, { handled: new Set([3]) });
    expectTcpMix(expected, INPUTS);

    // The rows the valid requests carry: storable ones (port >= 0, the only column check) upsert by primary key.
    // A key's row holds the values of one of its reports (the last to arrive: connections run side by side).
    let rows = 0;
    let rejected = 0;
    const reported = new Map<string, Set<string>>([
      [rowKey(9001, 1, 0x0a09_0909, 9, 0x7f00_0001), new Set(['3/1/1700000000/0'])],
    ]);
    for (const f of expected.validFrames) {
      const v = f.value as { modid: number; cmdid: number; caller: number; ts: number; results: FuzzMessage[] };
      for (const r of v.results) {
        rows++;
        if ((r.port as number) < 0) rejected++;
        else {
          const key = rowKey(v.modid, v.cmdid, r.ip as number, r.port as number, v.caller);
          const values = reported.get(key) ?? new Set<string>();
          values.add(`${r.succ}/${r.err}/${v.ts}/${r.overload ? 1 : 0}`);
          reported.set(key, values);
        }
      }
    }
    const keys = new Set(reported.keys());
    expect(rejected).toBeGreaterThan(10);

    const want = {
      ...tcpWanted(expected),
      rowsReceived: rows,
      rowsRejected: rejected,
      rowsWritten: rows - rejected,
      drops: 0,
    };
    await untilCounted(statsPort, before, want, 20_000);

    // Exactly the distinct storable rows of the valid requests, and nothing else.
    const [stored] = (await db.admin.query(
      'SELECT modid, cmdid, ip, port, caller, succ_cnt, err_cnt, ts, overload FROM ServerCallStatus',
    )) as unknown as [Array<Record<string, number>>];
    expect(stored.length).toBe(keys.size);
    expect(new Set(stored.map((s) => rowKey(s.modid, s.cmdid, s.ip, s.port, s.caller)))).toEqual(keys);
    const foreign = stored.filter(
      (s) =>
        !reported
          .get(rowKey(s.modid, s.cmdid, s.ip, s.port, s.caller))
          ?.has(`${s.succ_cnt}/${s.err_cnt}/${s.ts}/${s.overload}`),
    );
    expect(foreign).toEqual([]);

    // Still stores a valid report correctly, on the old connection and on a new one.
    client.send(snapshot(9001, 1, 0x0a09_0909, 9, 7, 2));
    const fresh = await ReportClient.connect(port);
    fresh.send(snapshot(9002, 2, 0x0a09_0908, 8, 5, 0));
    await vi.waitFor(
      async () => {
        const [r] = (await db.admin.query(
          'SELECT modid, succ_cnt, err_cnt FROM ServerCallStatus WHERE modid IN (9001, 9002) ORDER BY modid',
        )) as unknown as [Array<{ modid: number; succ_cnt: number; err_cnt: number }>];
        expect(r).toEqual([
          { modid: 9001, succ_cnt: 7, err_cnt: 2 },
          { modid: 9002, succ_cnt: 5, err_cnt: 0 },
        ]);
      },
      { timeout: 10_000, interval: 50 },
    );
    await fresh.close();
    await client.close();

    const rssAfter = rssKb(reporter.child.pid as number);
    console.log(
      `reporter fuzz: ${INPUTS} inputs on ${expected.connections} connections: ${expected.valid} valid ` +
        `(${rows} rows, ${rejected} rejected, ${keys.size} distinct stored), ${expected.badBody} badBody, ` +
        `${expected.unknownMsgid} unknownMsgid, ${expected.badFrames} bad headers, ${expected.truncatedFrames} cut frames; ` +
        `RSS ${rssBefore} -> ${rssAfter} kB`,
    );
    expect(rssAfter).toBeLessThan(rssBefore * 1.5);
  });
});
