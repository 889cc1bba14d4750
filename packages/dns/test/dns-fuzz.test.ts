// Seeded fuzz of the DNS's TCP port, through the real daemon (a child process)
// and the real MariaDB: 10,000 inputs in a fixed mix of valid GetRouteRequests,
// mutated ones and random bytes, each classified by the reference decoder of
// test-support/fuzz-inputs.ts. Afterwards the DNS must answer a route
// correctly, its counters must account for every input, its RSS must stay
// under 1.5x its value before, and no table may have changed (the DNS only
// reads MySQL). LARS_FUZZ_SEED=<n> reruns one seed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test-support/db.js';
import { mysqlSection, type DaemonProcess } from '../../../test-support/daemon-process.js';
import {
  daemonStats,
  expectTcpMix,
  startReadyDaemon,
  tableChecksums,
  tcpWanted,
  untilCounted,
} from '../../../test-support/fuzz-daemon.js';
import { rssKb, sendTcpFuzz } from '../../../test-support/fuzz-driver.js';
import { encodeFuzzFrame, generateInputs } from '../../../test-support/fuzz-inputs.js';
import { FuzzRandom, fuzzSeed } from '../../../test-support/fuzz-random.js';
import { freePort } from '../../../test-support/ports.js';
import { RouteClient } from './route-client.js';

const INPUTS = 10_000;
const SEED = fuzzSeed();
/** Routes in the table: modid 1..4, cmdid 1..2, two hosts each. */
const KNOWN_MODIDS = [1, 2, 3, 4];

let db: TestDatabase;
let dns: DaemonProcess;
let port: number;
let statsPort: number;

beforeAll(async () => {
  db = await createTestDatabase();
  const values = KNOWN_MODIDS.flatMap((m) =>
    [1, 2].flatMap((c) => [
      `(${m}, ${c}, INET_ATON('10.0.${m}.${c}'), 1000)`,
      `(${m}, ${c}, INET_ATON('10.1.${m}.${c}'), 2000)`,
    ]),
  );
  await db.admin.query(`INSERT INTO RouteData (modid, cmdid, serverip, serverport) VALUES ${values.join(', ')}`);
  [port, statsPort] = [await freePort(), await freePort()];
  // Ready: listening, with the first table loaded.
  dns = await startReadyDaemon(
    'packages/dns/src/main.ts',
    `[reactor]\nip = 127.0.0.1\nport = ${port}\n${mysqlSection(db)}[dns]\ncheck_interval = 1\n[stats]\nport = ${statsPort}\n`,
    statsPort,
    { LARS_LOG_LEVEL: 'error' },
  );
});

afterAll(async () => {
  await dns?.stop('SIGKILL');
  await db?.drop();
});

describe(`dns fuzz (seed ${SEED}; LARS_FUZZ_SEED=${SEED} reruns it)`, () => {
  it('counts every one of 10,000 inputs, still answers correctly, keeps its RSS and writes nothing', async () => {
    console.log(`dns fuzz: seed ${SEED} (rerun with LARS_FUZZ_SEED=${SEED})`);
    const rng = new FuzzRandom(SEED);
    const inputs = generateInputs(rng, {
      count: INPUTS,
      valid: (r) =>
        encodeFuzzFrame(r, 1, {
          modid: r.chance(0.7) ? r.pick(KNOWN_MODIDS) : r.int32(),
          cmdid: r.chance(0.7) ? r.between(1, 3) : r.int32(),
        }),
      msgids: [0, 1, 2, 3, 4, 7, 99, -1],
      maxRandomBytes: 64,
    });

    const client = await RouteClient.connect(port);
    expect((await client.ask(2, 1)).hosts).toEqual(['10.0.2.1:1000', '10.1.2.1:2000']);
    const tablesBefore = await tableChecksums(db);
    const before = await daemonStats(statsPort);
    const rssBefore = rssKb(dns.child.pid as number);

    const expected = await sendTcpFuzz(port, inputs, { handled: new Set([1]) });
    expectTcpMix(expected, INPUTS);
    await untilCounted(statsPort, before, tcpWanted(expected));
    // Each valid request on a shared connection (read to its end) was answered there.
    expect(expected.repliesOnShared).toBe(expected.validOnShared);

    expect((await client.ask(2, 1)).hosts).toEqual(['10.0.2.1:1000', '10.1.2.1:2000']);
    const fresh = await RouteClient.connect(port);
    expect((await fresh.ask(4, 2)).hosts).toEqual(['10.0.4.2:1000', '10.1.4.2:2000']);
    await fresh.close();
    await client.close();

    const rssAfter = rssKb(dns.child.pid as number);
    console.log(
      `dns fuzz: ${INPUTS} inputs on ${expected.connections} connections: ${expected.valid} valid, ` +
        `${expected.badBody} badBody, ${expected.unknownMsgid} unknownMsgid, ${expected.badFrames} bad headers, ` +
        `${expected.truncatedFrames} cut frames; RSS ${rssBefore} -> ${rssAfter} kB`,
    );
    expect(rssAfter).toBeLessThan(rssBefore * 1.5);
    expect(await tableChecksums(db)).toEqual(tablesBefore);
  });
});
