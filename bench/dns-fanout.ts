// DNS fan-out (benchmarks.md): time from a committed route change to the
// last of N subscribed agent connections holding the new hosts, N = 1,000
// and 10,000, over 50 changes each (200 with --long), with the default
// [dns] config (check_interval 0.1 s) and only the connection limits raised.
// The connections come from a client process of their own, in C on one
// epoll loop (dns-fanout-client.c, compiled here with cc), spread over
// 127.0.0.1..127.0.0.8; the DNS is its own process too, so each of the three
// stays under the open-file limit. Each change adds or deletes one host of
// the route (alternately, so every push frame has the same size), committed
// at a random point of the check cycle (a pause of 0-150 ms before each).
//
// The floor, same run: a bare node:net server in a process of its own
// (dns-fanout-floor.ts) writing the bytes of the DNS's push frame to the
// same N connections from the same client, as many rounds; trigger -> last
// arrival. Times are on a clock the processes share (CLOCK_MONOTONIC via
// process.hrtime in Node, clock_gettime in the client; ms with sub-ms precision).
// Also the DNS's RSS before the connections and with N subscribed, and so
// per 1,000 subscribed connections.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { encodeBody, MessageId } from '@lars/proto';
import { changeRoutes } from '@lars/store';
import { encodeFrame } from '@lars/wire';
import { SOURCE_NODE_ARGS } from '../test-support/source-node.js';
import { buildCProgram, machine, parseBenchArgs, percentile, printTable, sharedClock } from './bench-common.js';
import { processRssBytes } from './daemon-harness.js';
import type { FloorCommand, FloorReport } from './dns-fanout-floor.js';
import { benchDatabase, startDnsProcess } from './dns-harness.js';

const args = parseBenchArgs();
const SIZES = [1000, 10_000];
const CHANGES = args.long ? 200 : 50;
/** Source addresses 127.0.0.1..127.0.0.SOURCES. */
const SOURCES = 8;
/** The DNS defaults (dns-options.ts), written out so the benchmark says what it ran. */
const CHECK_INTERVAL_S = 0.1;
const RELOAD_INTERVAL_S = 10;
/** `[reactor] maxConn` (default 1024) and `max_conn_per_ip` (default 256), raised for 10,000 agents on 8 addresses. */
const MAX_CONN = 12_000;
const MAX_CONN_PER_IP = Math.ceil(MAX_CONN / SOURCES);
/** Open files a process needs beyond its connections (libraries, pipes, the MySQL pool, stats). */
const FD_MARGIN = 256;
const MODID = 1;
const CMDID = 1;
/** The route's hosts; each change adds a fifth (BASE_HOSTS + 1) or deletes it again. */
const BASE_HOSTS = 4;
const SPARE_IP = 167772160 + 100;
const MAX_PAUSE_MS = CHECK_INTERVAL_S * 1500;
const OPEN_TIMEOUT_MS = 120_000;
const ROUND_TIMEOUT_MS = 30_000;

const CLIENT_SOURCE = fileURLToPath(new URL('./dns-fanout-client.c', import.meta.url));
const CLIENT_BINARY = fileURLToPath(new URL('../var/bench/dns-fanout-client', import.meta.url));
const FLOOR_ENTRY = fileURLToPath(new URL('./dns-fanout-floor.ts', import.meta.url));

/** Parent -> client (dns-fanout-client.c): one line each. */
type ClientCommand =
  /** Opens `n` connections to `port`; `subscribe`: pull the route on each and wait for every answer. */
  | { type: 'open'; port: number; n: number; sources: number; subscribe: { modid: number; cmdid: number } | null }
  /** The next round: a connection counts once it holds `hosts` hosts of the route (null: any frame counts). */
  | { type: 'expect'; round: number; hosts: number | null }
  /** Sends back the largest push frame received (header and body, hex). */
  | { type: 'frame' }
  | { type: 'close' };

/** Client -> parent: one JSON object per line. */
type ClientReport =
  | { type: 'opened'; n: number; ms: number }
  | { type: 'ready'; round: number }
  | { type: 'arrived'; round: number; first: number; last: number }
  | { type: 'frame'; hex: string }
  | { type: 'closed' }
  | { type: 'error'; message: string };

function clientLine(cmd: ClientCommand): string {
  switch (cmd.type) {
    case 'open': {
      const pull =
        cmd.subscribe === null
          ? '-'
          : encodeFrame(MessageId.GetRouteRequest, encodeBody(MessageId.GetRouteRequest, cmd.subscribe)).toString(
              'hex',
            );
      return `open ${cmd.port} ${cmd.n} ${cmd.sources} ${pull}\n`;
    }
    case 'expect':
      return `expect ${cmd.round} ${cmd.hosts ?? -1}\n`;
    default:
      return `${cmd.type}\n`;
  }
}

/** The client, its soft open-file limit raised to the hard one, commands on stdin and reports on stdout. */
function startClient(): ChildProcess {
  buildCProgram(CLIENT_SOURCE, CLIENT_BINARY);
  return spawn('bash', ['-c', 'ulimit -Sn "$(ulimit -Hn)" && exec "$0"', CLIENT_BINARY], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Every process opens up to max(SIZES) sockets: the DNS inherits this process's soft limit, the others raise theirs to the hard one. */
function checkFileLimits(): void {
  const need = Math.max(...SIZES) + FD_MARGIN;
  const limit = (flag: string) =>
    Number(
      spawnSync('bash', ['-c', `ulimit ${flag}`], { encoding: 'utf8' })
        .stdout.trim()
        .replace('unlimited', 'Infinity'),
    );
  const [soft, hard] = [limit('-Sn'), limit('-Hn')];
  if (soft < need || hard < need)
    throw new Error(`open-file limit ${soft} (hard ${hard}) < ${need}: run \`ulimit -n ${need}\` (or more) first`);
}

/** A bench process of ours, on the TypeScript sources, its soft open-file limit raised to the hard one, with IPC. */
function forkBench(entry: string): ChildProcess {
  return spawn(
    'bash',
    ['-c', 'ulimit -Sn "$(ulimit -Hn)" && exec "$0" "$@"', process.execPath, ...SOURCE_NODE_ARGS, entry],
    { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  );
}

/** The IPC side of a forked process: reports are queued until someone waits for them; an `error` report or an exit fails every wait. */
class Peer<C, R extends { type: string }> {
  private readonly inbox: R[] = [];
  private readonly waiters: Array<{ match: (r: R) => boolean; resolve: (r: R) => void; reject: (e: Error) => void }> =
    [];
  private failure: Error | null = null;

  /** `line`: commands as text lines on stdin, reports as JSON lines on stdout; otherwise both over IPC. */
  constructor(
    private readonly name: string,
    readonly child: ChildProcess,
    private readonly line?: (cmd: C) => string,
  ) {
    if (line === undefined) child.on('message', (m: R) => this.deliver(m));
    else createInterface({ input: child.stdout! }).on('line', (l) => this.deliver(JSON.parse(l) as R));
    child.on('exit', (code, signal) => this.fail(new Error(`${name} exited (${code ?? signal})`)));
  }

  send(cmd: C): void {
    if (this.line === undefined) this.child.send(cmd as object);
    else this.child.stdin!.write(this.line(cmd));
  }

  next<T extends R['type']>(
    type: T,
    timeoutMs: number,
    accept: (r: Extract<R, { type: T }>) => boolean = () => true,
  ): Promise<Extract<R, { type: T }>> {
    const match = (r: R) => r.type === type && accept(r as Extract<R, { type: T }>);
    const queued = this.inbox.findIndex(match);
    if (queued >= 0) return Promise.resolve(this.inbox.splice(queued, 1)[0] as Extract<R, { type: T }>);
    if (this.failure !== null) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const waiter = {
        match,
        resolve: (r: R) => {
          clearTimeout(timer);
          resolve(r as Extract<R, { type: T }>);
        },
        reject: (e: Error) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`${this.name}: no ${type} report in ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  stop(): void {
    this.failure ??= new Error(`${this.name} stopped`);
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill();
  }

  private deliver(m: R): void {
    if (m.type === 'error') {
      this.fail(new Error(`${this.name}: ${(m as { message?: string }).message}`));
      return;
    }
    const i = this.waiters.findIndex((w) => w.match(m));
    if (i >= 0) this.waiters.splice(i, 1)[0].resolve(m);
    else this.inbox.push(m);
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const w of this.waiters.splice(0)) w.reject(this.failure);
  }
}

interface Side {
  /** trigger (commit, or the floor's first write) -> last of the N connections holding it, ms */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** trigger -> first connection, ms (p50) */
  firstP50Ms: number;
  /** first -> last connection: the fan-out itself, ms */
  spreadP50Ms: number;
  spreadP99Ms: number;
  rssBeforeBytes: number;
  rssAfterBytes: number;
  rssPer1000Bytes: number;
  /** How long opening (and for the DNS subscribing) the N connections took, ms. */
  openMs: number;
}

function side(n: number, last: number[], first: number[], openMs: number, rss: [number, number]): Side {
  if (Math.min(...first) < 0)
    throw new Error(`an arrival before its trigger (${Math.min(...first)} ms): clocks disagree`);
  const spread = last.map((l, i) => l - first[i]);
  return {
    p50Ms: percentile(last, 50),
    p99Ms: percentile(last, 99),
    maxMs: Math.max(...last),
    firstP50Ms: percentile(first, 50),
    spreadP50Ms: percentile(spread, 50),
    spreadP99Ms: percentile(spread, 99),
    rssBeforeBytes: rss[0],
    rssAfterBytes: rss[1],
    rssPer1000Bytes: ((rss[1] - rss[0]) * 1000) / n,
    openMs,
  };
}

checkFileLimits();
/** The machine is shared: what else ran on it shows in the load average (1 min) at the start. */
const loadAtStart = loadavg()[0];
const db = await benchDatabase();
const client = new Peer<ClientCommand, ClientReport>('client', startClient(), clientLine);
let round = 0;

/** Waits for the client to reset its count for a new round; returns the round. */
async function nextRound(hosts: number | null): Promise<number> {
  const r = ++round;
  client.send({ type: 'expect', round: r, hosts });
  await client.next('ready', ROUND_TIMEOUT_MS, (m) => m.round === r);
  return r;
}

async function closeClient(): Promise<void> {
  client.send({ type: 'close' });
  await client.next('closed', OPEN_TIMEOUT_MS);
}

/** N subscribed connections, CHANGES commits; also the largest push frame (hex) for the floor. */
async function measureDns(n: number): Promise<{ result: Side; frameHex: string; pushes: number }> {
  const dns = await startDnsProcess(
    db,
    { checkInterval: CHECK_INTERVAL_S, reloadInterval: RELOAD_INTERVAL_S },
    `maxConn = ${MAX_CONN}\nmax_conn_per_ip = ${MAX_CONN_PER_IP}\n`,
  );
  const admin = await db.admin.getConnection();
  try {
    await sleep(1000);
    const rssBefore = dns.rss();
    client.send({ type: 'open', port: dns.port, n, sources: SOURCES, subscribe: { modid: MODID, cmdid: CMDID } });
    const opened = await client.next('opened', OPEN_TIMEOUT_MS);
    if (opened.n !== n) throw new Error(`${opened.n} of ${n} connections subscribed`);
    await sleep(1000);
    const rssAfter = dns.rss();
    const pushesBefore = (await dns.stats()).pushes ?? 0;
    const last: number[] = [];
    const first: number[] = [];
    let hosts = BASE_HOSTS;
    for (let i = 0; i < CHANGES; i++) {
      await sleep(Math.random() * MAX_PAUSE_MS);
      const adding = hosts === BASE_HOSTS;
      const want = adding ? BASE_HOSTS + 1 : BASE_HOSTS;
      const r = await nextRound(want);
      const t0 = sharedClock();
      await changeRoutes(admin, [{ op: adding ? 'add' : 'del', modid: MODID, cmdid: CMDID, ip: SPARE_IP, port: 7000 }]);
      const got = await client.next('arrived', ROUND_TIMEOUT_MS, (m) => m.round === r);
      hosts = want;
      last.push(got.last - t0);
      first.push(got.first - t0);
    }
    const pushes = ((await dns.stats()).pushes ?? 0) - pushesBefore;
    client.send({ type: 'frame' });
    const { hex } = await client.next('frame', ROUND_TIMEOUT_MS);
    await closeClient();
    return { result: side(n, last, first, opened.ms, [rssBefore, rssAfter]), frameHex: hex, pushes };
  } finally {
    admin.release();
    await dns.stop();
  }
}

/** The same N connections and as many rounds against the bare net server writing `frameHex`. */
async function measureFloor(n: number, frameHex: string): Promise<Side> {
  const floor = new Peer<FloorCommand, FloorReport>('floor', forkBench(FLOOR_ENTRY));
  try {
    const { port } = await floor.next('listening', OPEN_TIMEOUT_MS);
    const pid = floor.child.pid ?? 0;
    await sleep(1000);
    const rssBefore = processRssBytes(pid);
    client.send({ type: 'open', port, n, sources: SOURCES, subscribe: null });
    const opened = await client.next('opened', OPEN_TIMEOUT_MS);
    if (opened.n !== n) throw new Error(`${opened.n} of ${n} connections opened to the floor`);
    for (;;) {
      floor.send({ type: 'count' });
      if ((await floor.next('count', ROUND_TIMEOUT_MS)).n >= n) break;
      await sleep(20);
    }
    await sleep(1000);
    const rssAfter = processRssBytes(pid);
    floor.send({ type: 'frame', hex: frameHex });
    const last: number[] = [];
    const first: number[] = [];
    for (let i = 0; i < CHANGES; i++) {
      await sleep(Math.random() * MAX_PAUSE_MS);
      const r = await nextRound(null);
      floor.send({ type: 'push', round: r });
      const { t0 } = await floor.next('pushed', ROUND_TIMEOUT_MS, (m) => m.round === r);
      const got = await client.next('arrived', ROUND_TIMEOUT_MS, (m) => m.round === r);
      last.push(got.last - t0);
      first.push(got.first - t0);
    }
    await closeClient();
    return side(n, last, first, opened.ms, [rssBefore, rssAfter]);
  } finally {
    floor.stop();
  }
}

interface FanoutResult {
  connections: number;
  frameBytes: number;
  /** Pushes the DNS counted over the changes: connections x changes when every push went out once. */
  pushes: number;
  dns: Side;
  floor: Side;
  p99Ratio: number;
}

const results: FanoutResult[] = [];
try {
  await db.admin.query('INSERT INTO RouteData (modid, cmdid, serverip, serverport) VALUES ?', [
    Array.from({ length: BASE_HOSTS }, (_, i) => [MODID, CMDID, 167772160 + i, 7000]),
  ]);
  for (const n of SIZES) {
    const dns = await measureDns(n);
    const floor = await measureFloor(n, dns.frameHex);
    results.push({
      connections: n,
      frameBytes: dns.frameHex.length / 2,
      pushes: dns.pushes,
      dns: dns.result,
      floor,
      p99Ratio: dns.result.p99Ms / floor.p99Ms,
    });
  }
} finally {
  client.stop();
  await db.drop();
}

const loadAtEnd = loadavg()[0];
const GOAL_P99_MS = 250;
const largest = results[results.length - 1];
const result = {
  benchmark: 'dns-fanout',
  machine: machine(),
  loadAverage1m: { start: loadAtStart, end: loadAtEnd },
  changes: CHANGES,
  checkIntervalMs: CHECK_INTERVAL_S * 1000,
  sourceAddresses: SOURCES,
  maxConn: MAX_CONN,
  maxConnPerIp: MAX_CONN_PER_IP,
  /** Goal: DNS p99 < 250 ms at 10,000 connections. */
  goal: { connections: largest.connections, p99Ms: GOAL_P99_MS, met: largest.dns.p99Ms < GOAL_P99_MS },
  results,
};
if (args.json) {
  process.stdout.write(`${JSON.stringify(result)}\n`);
} else {
  const m = result.machine;
  const mb = (b: number) => b / (1024 * 1024);
  process.stdout.write(
    `DNS fan-out: ${m.cores} cores, ${m.cpu}, node ${m.node}, load ${loadAtStart.toFixed(2)} at start, ${loadAtEnd.toFixed(2)} at end; ` +
      `${CHANGES} changes per size, check_interval ` +
      `${CHECK_INTERVAL_S} s, ${SOURCES} source addresses; commit -> the last of N subscribed connections holds ` +
      `the new hosts; floor: a bare net server writing the same ${largest.frameBytes}-byte frame to the same N\n\n`,
  );
  printTable(
    results.map((r) => ({
      connections: r.connections,
      'DNS p50 ms': r.dns.p50Ms,
      'DNS p99 ms': r.dns.p99Ms,
      'DNS max ms': r.dns.maxMs,
      'floor p50 ms': r.floor.p50Ms,
      'floor p99 ms': r.floor.p99Ms,
      'floor max ms': r.floor.maxMs,
      'p99 / floor p99': r.p99Ratio,
    })),
  );
  process.stdout.write('\n');
  printTable(
    results.map((r) => ({
      connections: r.connections,
      'DNS first p50 ms': r.dns.firstP50Ms,
      'DNS first->last p50 / p99 ms': `${r.dns.spreadP50Ms.toFixed(1)} / ${r.dns.spreadP99Ms.toFixed(1)}`,
      'floor first->last p99 ms': r.floor.spreadP99Ms,
      'DNS RSS idle MB': mb(r.dns.rssBeforeBytes),
      'DNS RSS subscribed MB': mb(r.dns.rssAfterBytes),
      'DNS MB / 1k conn': mb(r.dns.rssPer1000Bytes),
      'floor MB / 1k conn': mb(r.floor.rssPer1000Bytes),
      pushes: r.pushes,
    })),
  );
  process.stdout.write(
    `\ngoal: p99 < ${GOAL_P99_MS} ms at ${largest.connections.toLocaleString('en-US')} connections: ` +
      `${result.goal.met ? 'met' : 'missed'} (${largest.dns.p99Ms.toFixed(1)} ms)\n`,
  );
}
