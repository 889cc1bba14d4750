// Seeded fuzz of the agent's three UDP ports, through the real daemon (a child
// process) with a real DNS on the real MariaDB: 10,000 datagrams per port in a
// fixed mix of valid GetHostRequests, ReportRequests and API_GetRouteRequests,
// mutated ones and random bytes, each classified by the reference decoder of
// test-support/fuzz-inputs.ts. Sends are paced (a marker request after each
// window, answered before the next), and the kernel's drop count for each
// port (/proc/net/udp) is taken into account. Afterwards every port must
// answer get_host correctly, each worker's counters must account for every
// datagram, the agent's RSS must stay under 1.5x its value before, the route
// tables are unchanged (the DNS only reads them), and ServerCallStatus and its
// rollup CallStatusMinute, which a real reporter writes from the agent's
// snapshots, hold only rows of the routes and hosts valid ReportRequests named. LARS_FUZZ_SEED=<n> reruns one seed.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DnsServer } from '@lars/dns';
import { ReporterServer } from '@lars/reporter';
import { RetCode } from '@lars/proto';
import { createTestDatabase, type TestDatabase } from '../../../test-support/db.js';
import type { DaemonProcess } from '../../../test-support/daemon-process.js';
import { daemonStats, startReadyDaemon, tableChecksums } from '../../../test-support/fuzz-daemon.js';
import { rssKb, sendUdpFuzz, udpDrops, type UdpExpectation } from '../../../test-support/fuzz-driver.js';
import { encodeFuzzFrame, canonicalFuzzFrame, generateInputs } from '../../../test-support/fuzz-inputs.js';
import { FuzzRandom, fuzzSeed } from '../../../test-support/fuzz-random.js';
import { classifyDatagram } from '../../../test-support/fuzz-reference.js';
import { AGENT_TRANSPORTS, transportStat } from '../../../test-support/agent-transports.js';
import { freePort, freePortRange } from '../../../test-support/ports.js';
import { AgentClient } from './agent-client.js';

const INPUTS_PER_PORT = 10_000;
const SEED = fuzzSeed();
const PORTS = 3;
/** Routes in the table: modid 1..6, cmdid 1..2, two hosts each (10.<modid>.<cmdid>.1 and .2, port 7000 + modid). */
const KNOWN_MODIDS = [1, 2, 3, 4, 5, 6];
const HANDLED = new Set([4, 6, 7]);

let db: TestDatabase;
let dns: DnsServer;
let reporter: ReporterServer;
let agent: DaemonProcess;
let basePort: number;
let statsPort: number;

/** The worker (port offset) that owns a key: protocol.md "The UDP ports rule", written out here. */
function owner(modid: number, cmdid: number): number {
  const sum = modid + cmdid;
  return ((sum % PORTS) + PORTS) % PORTS;
}

type Stats = Record<string, Record<string, number>>;
const stats = () => daemonStats<Stats>(statsPort);

/** The tables the reporter writes from valid reports; their rows are checked against the valid reports below. */
const REPORTED_TABLES = ['ServerCallStatus', 'CallStatusMinute'] as const;
/** Every other table's CHECKSUM: equal before and after means nothing was written. */
const checksums = () => tableChecksums(db, [...REPORTED_TABLES]);

function validRequest(r: FuzzRandom): Buffer {
  const known = r.chance(0.7);
  const modid = known ? r.pick(KNOWN_MODIDS) : r.int32();
  const cmdid = known ? r.between(1, 2) : r.int32();
  const kind = r.below(3);
  if (kind === 0) return encodeFuzzFrame(r, 4, { seq: r.uint32(), modid, cmdid });
  if (kind === 1) return encodeFuzzFrame(r, 7, { modid, cmdid });
  return encodeFuzzFrame(r, 6, {
    modid,
    cmdid,
    host: {
      ip: r.chance(0.7) ? (10 << 24) + (modid << 16) + (cmdid << 8) + r.between(1, 2) : r.uint32(),
      port: 7000 + modid,
    },
    retcode: r.chance(0.7) ? 0 : r.int32(),
    timecost: r.below(500),
  });
}

/** Marker seqs sit above every seq the inputs are likely to use, and each is new. */
const MARKER_SEQ_BASE = 0xfff0_0000;

/** What worker `i` must have counted for `sent`. */
function expectedCounts(i: number, sent: UdpExpectation) {
  const out = {
    datagramsIn: sent.verdicts.length,
    framesIn: 0,
    badFrames: 0,
    lengthMismatch: 0,
    unknownMsgid: 0,
    badBody: 0,
    handlerErrors: 0,
    getHostRequests: 0,
    reportRequests: 0,
    getRouteRequests: 0,
    wrongPort: 0,
  };
  const own = { 4: 'getHostRequests', 6: 'reportRequests', 7: 'getRouteRequests' } as const;
  for (const v of sent.verdicts) {
    if (v.kind === 'badFrame') out.badFrames++;
    else if (v.kind === 'lengthMismatch') out.lengthMismatch++;
    else {
      out.framesIn++;
      if (v.kind !== 'valid') out[v.kind]++;
      else if (owner(v.value.modid as number, v.value.cmdid as number) !== i) out.wrongPort++;
      else out[own[v.msgid as 4 | 6 | 7]]++;
    }
  }
  return out;
}

describe.each(AGENT_TRANSPORTS)(
  `agent fuzz on the %s transport (seed ${SEED}; LARS_FUZZ_SEED=${SEED} reruns it)`,
  (transport) => {
    beforeAll(async () => {
      db = await createTestDatabase();
      const values = KNOWN_MODIDS.flatMap((m) =>
        [1, 2].flatMap((c) => [1, 2].map((h) => `(${m}, ${c}, INET_ATON('10.${m}.${c}.${h}'), ${7000 + m})`)),
      );
      await db.admin.query(`INSERT INTO RouteData (modid, cmdid, serverip, serverport) VALUES ${values.join(', ')}`);
      const dnsPort = await freePort();
      dns = new DnsServer({
        port: dnsPort,
        checkIntervalMs: 1000,
        mysql: { host: db.host, port: db.port, user: db.user, password: db.password, database: db.name },
      });
      await dns.start();
      reporter = new ReporterServer({
        port: 0,
        mysql: { host: db.host, port: db.port, user: db.user, password: db.password, database: db.name },
      });
      const { port: reporterPort } = await reporter.start();
      basePort = await freePortRange(PORTS);
      statsPort = await freePort();
      agent = await startReadyDaemon(
        'packages/agent/src/main.ts',
        `[agent]\nip = 127.0.0.1\nbase_port = ${basePort}\ntransport = ${transport}\n[dnsserver]\nip = 127.0.0.1\nport = ${dnsPort}\n` +
          `[reporter]\nip = 127.0.0.1\nport = ${reporterPort}\n[loadbalance]\nlocal_ip = 127.0.0.1\n[stats]\nport = ${statsPort}\n`,
        statsPort,
        { LARS_LOG_LEVEL: 'error' },
      );
    });

    afterAll(async () => {
      await agent?.stop('SIGKILL');
      await reporter?.close();
      await dns?.close();
      await db?.drop();
    });

    it('counts every one of 10,000 datagrams per port, still answers correctly, and keeps its RSS', async () => {
      console.log(`agent fuzz (${transport}): seed ${SEED} (rerun with LARS_FUZZ_SEED=${SEED})`);
      // Named explicitly (no fallback): the run is on the transport it says.
      expect((await daemonStats<Record<string, unknown>>(statsPort)).transport).toEqual(transportStat(transport));
      const client = await AgentClient.open(basePort);
      // Every port answers get_host with a host of the route (after its first pull).
      const hostsOf = (m: number, c: number) => [`10.${m}.${c}.1:${7000 + m}`, `10.${m}.${c}.2:${7000 + m}`];
      let asked = 0;
      const getHost = (m: number, c: number) => {
        asked++;
        return client.getHost(m, c);
      };
      const checkAnswers = async () => {
        for (const [m, c] of [
          [1, 2],
          [1, 1],
          [2, 2],
        ]) {
          await vi.waitFor(async () => expect((await getHost(m, c)).ret).toBe(RetCode.SUCC), {
            timeout: 10_000,
            interval: 20,
          });
          expect(hostsOf(m, c)).toContain((await getHost(m, c)).host);
        }
      };
      const total = (row: Record<string, number>) => Object.values(row).reduce((a, b) => a + b, 0);
      await checkAnswers();
      const tablesBefore = await checksums();
      // Published every statsIntervalMs: wait until the client's requests are in.
      await vi.waitFor(async () => expect(total((await stats()).getHostRequests)).toBe(asked), {
        timeout: 10_000,
        interval: 50,
      });
      const before = await stats();
      const dropsBefore = Array.from({ length: PORTS }, (_, i) => udpDrops(basePort + i));
      const rssBefore = rssKb(agent.child.pid as number);

      const sent: UdpExpectation[] = [];
      for (let i = 0; i < PORTS; i++) {
        const rng = new FuzzRandom((SEED + i) >>> 0);
        const inputs = generateInputs(rng, {
          count: INPUTS_PER_PORT,
          valid: validRequest,
          msgids: [0, 1, 4, 5, 6, 7, 8, 99],
          maxRandomBytes: 96,
        });
        // A key this port owns, unknown to the DNS (answered NOEXIST): the marker's answer carries its seq.
        const markerModid = 100_000 + ((i - 1 + PORTS) % PORTS);
        sent.push(
          await sendUdpFuzz(basePort + i, inputs, {
            handled: HANDLED,
            // Canonical, as the SDK writes it: the pacing must not depend on the codec's corner cases.
            marker: (seq) => canonicalFuzzFrame(4, { seq: MARKER_SEQ_BASE + seq, modid: markerModid, cmdid: 0 }),
            markerSeq: (reply) => {
              const v = classifyDatagram(reply, new Set([5]));
              // The marker's key too: a fuzz input's random seq may fall in the markers' range.
              if (v.kind !== 'valid' || v.value.modid !== markerModid || v.value.cmdid !== 0) return null;
              const seq = v.value.seq as number;
              return seq > MARKER_SEQ_BASE ? seq - MARKER_SEQ_BASE : null;
            },
          }),
        );
      }
      const drops = Array.from({ length: PORTS }, (_, i) => udpDrops(basePort + i) - dropsBefore[i]);

      const want = sent.map((s, i) => expectedCounts(i, s));
      for (const w of want) {
        // The mix reaches every class, or the run proves little.
        expect(Math.min(w.badFrames, w.lengthMismatch, w.unknownMsgid, w.badBody, w.wrongPort)).toBeGreaterThan(100);
        expect(w.getHostRequests + w.reportRequests + w.getRouteRequests).toBeGreaterThan(300);
      }
      const counted = (after: Stats, i: number) =>
        Object.fromEntries(Object.keys(want[i]).map((k) => [k, after[k][i] - before[k][i]]));
      if (drops.every((d) => d === 0)) {
        await vi.waitFor(
          async () => {
            const after = await stats();
            expect(want.map((_, i) => counted(after, i))).toEqual(want);
          },
          { timeout: 10_000, interval: 100 },
        );
      } else {
        // The kernel dropped some (receive buffer full): every class may be short, but no more than the drops.
        await vi.waitFor(
          async () => {
            const after = await stats();
            expect(want.map((w, i) => counted(after, i).datagramsIn + drops[i] - w.datagramsIn)).toEqual([0, 0, 0]);
          },
          { timeout: 10_000, interval: 100 },
        );
        const after = await stats();
        for (let i = 0; i < PORTS; i++) {
          const got = counted(after, i);
          for (const [k, n] of Object.entries(want[i])) {
            expect(got[k]).toBeLessThanOrEqual(n);
            expect(got[k]).toBeGreaterThanOrEqual(n - drops[i]);
          }
        }
      }
      for (const w of want) {
        // valid + counted bad = received.
        expect(
          w.getHostRequests +
            w.reportRequests +
            w.getRouteRequests +
            w.wrongPort +
            w.unknownMsgid +
            w.badBody +
            w.badFrames +
            w.lengthMismatch,
        ).toBe(w.datagramsIn);
      }

      await checkAnswers();
      const fresh = await AgentClient.open(basePort);
      expect(hostsOf(2, 1)).toContain((await fresh.getHost(2, 1)).host);
      await fresh.close();
      await client.close();

      const rssAfter = rssKb(agent.child.pid as number);
      console.log(
        `agent fuzz: ${want
          .map(
            (w, i) =>
              `port +${i}: ${w.datagramsIn} datagrams (${sent[i].markers} markers), ` +
              `${w.getHostRequests + w.reportRequests + w.getRouteRequests} served, ${w.wrongPort} wrongPort, ` +
              `${w.badBody} badBody, ${w.unknownMsgid} unknownMsgid, ${w.badFrames} badFrames, ${w.lengthMismatch} lengthMismatch, ` +
              `${drops[i]} dropped by the kernel`,
          )
          .join('; ')}; RSS ${rssBefore} -> ${rssAfter} kB`,
      );
      expect(rssAfter).toBeLessThan(rssBefore * 1.5);
      expect(await checksums()).toEqual(tablesBefore);

      // What reached ServerCallStatus (through the agent's snapshots and the reporter) comes from valid
      // ReportRequests only: a route a valid report sent to its own port named, one of that route's hosts.
      const reportedKeys = new Set<string>();
      sent.forEach((s, i) => {
        for (const v of s.verdicts) {
          if (v.kind !== 'valid' || v.msgid !== 6) continue;
          const { modid, cmdid } = v.value as { modid: number; cmdid: number };
          if (owner(modid, cmdid) === i) reportedKeys.add(`${modid}/${cmdid}`);
        }
      });
      const legit = new Set<string>();
      for (const m of KNOWN_MODIDS) {
        for (const c of [1, 2]) {
          if (!reportedKeys.has(`${m}/${c}`)) continue;
          for (const h of [1, 2])
            legit.add(`${m}/${c}/${(10 << 24) + (m << 16) + (c << 8) + h}/${7000 + m}/2130706433`);
        }
      }
      const storedRows = async (table: (typeof REPORTED_TABLES)[number] = 'ServerCallStatus') => {
        const [rows] = (await db.admin.query(`SELECT modid, cmdid, ip, port, caller FROM ${table}`)) as unknown as [
          Array<Record<string, number>>,
        ];
        return rows.map((r) => `${r.modid}/${r.cmdid}/${r.ip}/${r.port}/${r.caller}`);
      };
      // Snapshots leave every report_interval: wait for the first rows, so the check is not vacuous.
      await vi.waitFor(async () => expect((await storedRows()).length).toBeGreaterThan(0), {
        timeout: 10_000,
        interval: 100,
      });
      expect(legit.size).toBeGreaterThan(0);
      const stored = await storedRows();
      console.log(`agent fuzz: ${stored.length} ServerCallStatus rows, all among the ${legit.size} validly reported`);
      expect(stored.filter((r) => !legit.has(r))).toEqual([]);
      // The rollup (flushed every few seconds, so possibly still empty) holds nothing else either.
      expect((await storedRows('CallStatusMinute')).filter((r) => !legit.has(r))).toEqual([]);
    });
  },
);
