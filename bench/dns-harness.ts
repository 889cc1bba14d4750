// What the DNS benchmarks share: a DNS daemon in its own process (as
// run_lars.sh runs it), a database of their own, and a raw protocol client.
// benchDatabase is also what the other daemons' benchmarks start from.
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { decodeBody, encodeBody, MessageId } from '@lars/proto';
import { encodeFrame, FrameDecoder, type FrameSink } from '@lars/wire';
import { createTestDatabase, type TestDatabase } from '../test-support/db.js';
import { mysqlSection } from '../test-support/daemon-process.js';
import { MYSQL_LOCAL_SCRIPT } from '../test-support/repo-paths.js';
import { startDaemon, type DaemonProcess } from './daemon-harness.js';

/** Starts the shared local MariaDB (a no-op when it runs) and gives the benchmark its own database. */
export async function benchDatabase(): Promise<TestDatabase> {
  const r = spawnSync('bash', [MYSQL_LOCAL_SCRIPT, 'start'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`mysql-local.sh start failed:\n${r.stdout}${r.stderr}`);
  return createTestDatabase();
}

/** Fills RouteData with `rows` hosts, 10 per route: modid = row / 10, cmdid 1. */
export async function fillRoutes(db: TestDatabase, rows: number): Promise<void> {
  await db.admin.query(
    `INSERT INTO RouteData (modid, cmdid, serverip, serverport)
     SELECT seq DIV 10, 1, 3232235953 + seq MOD 10, 7000 + seq MOD 10 FROM seq_0_to_${rows - 1}`,
  );
}

/** `reactor`: more `[reactor]` lines (`key = value\n` each), e.g. raised connection limits. */
export async function startDnsProcess(
  db: TestDatabase,
  dns: { checkInterval: number; reloadInterval: number },
  reactor = '',
): Promise<DaemonProcess> {
  return startDaemon(
    'packages/dns/src/main.ts',
    (statsPort) =>
      `${reactor}${mysqlSection(db)}[dns]\ncheck_interval = ${dns.checkInterval}\nreload_interval = ${dns.reloadInterval}\n[stats]\nport = ${statsPort}\n`,
  );
}

/**
 * One TCP connection speaking GetRouteRequest/Response, without the reactor's
 * client machinery: a closed loop (one request in flight) with per-request
 * latency, or a listener for pushes.
 */
export class RouteConnection implements FrameSink {
  /** [send time ms, latency ms] of each answered request. */
  readonly samples: Array<[number, number]> = [];
  private readonly decoder = new FrameDecoder(this);
  private sentAt = 0;
  private looping = false;
  private keys = 1;
  private onResponse: ((modid: number, cmdid: number, hosts: number, body: Buffer) => void) | null = null;

  private constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk) => this.decoder.push(chunk));
    socket.on('error', () => undefined);
  }

  static async open(port: number): Promise<RouteConnection> {
    const s = connect(port, '127.0.0.1');
    await once(s, 'connect');
    return new RouteConnection(s);
  }

  /** Asks for routes (modid random in [0, keys), cmdid 1) back to back until stop(). */
  loop(keys: number): void {
    this.keys = keys;
    this.looping = true;
    this.sendOne();
  }

  /** Resolves on the next GetRouteResponse for the key whose body satisfies `accept`. */
  waitFor(modid: number, cmdid: number, accept: (hostCount: number, body: Buffer) => boolean): Promise<void> {
    return new Promise((resolve) => {
      this.onResponse = (m, c, n, body) => {
        if (m === modid && c === cmdid && accept(n, body)) {
          this.onResponse = null;
          resolve();
        }
      };
    });
  }

  subscribe(modid: number, cmdid: number): void {
    this.socket.write(encodeFrame(MessageId.GetRouteRequest, encodeBody(MessageId.GetRouteRequest, { modid, cmdid })));
  }

  onFrame(_msgid: number, body: Buffer): void {
    if (this.onResponse !== null) {
      const res = decodeBody(MessageId.GetRouteResponse, body);
      this.onResponse(res.modid, res.cmdid, res.host.length, body);
    }
    if (this.looping) {
      const now = performance.now();
      this.samples.push([this.sentAt, now - this.sentAt]);
      this.sendOne();
    }
  }

  stop(): void {
    this.looping = false;
  }

  close(): void {
    this.socket.destroy();
  }

  private sendOne(): void {
    const modid = Math.floor(Math.random() * this.keys);
    this.sentAt = performance.now();
    this.socket.write(
      encodeFrame(MessageId.GetRouteRequest, encodeBody(MessageId.GetRouteRequest, { modid, cmdid: 1 })),
    );
  }
}
