// Reactor echo benchmark (benchmarks.md): the same closed-loop client (one
// frame in flight per connection, 64-byte body) against a TLV echo server on
// the reactor and against a bare `net` echo, at 1, 10 and 100 connections.
// Reports requests/s for both and the ratio reactor / bare.
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import type { Worker } from 'node:worker_threads';
import { spawnWorker } from '@lars/reactor';
import { FrameDecoder, encodeFrame, type FrameSink } from '@lars/wire';
import { machine, parseBenchArgs, printTable } from './bench-common.js';
import type { EchoMode, EchoServerData } from './reactor-echo-server.js';

const args = parseBenchArgs();
const CONNECTIONS = [1, 10, 100] as const;
const SECONDS = args.long ? 10 : 2.5;
const WARMUP_MS = args.long ? 2000 : 500;
const ECHO_MSGID = 1;
const FRAME = encodeFrame(ECHO_MSGID, Buffer.alloc(64, 0x61));

/** One connection of the client: sends a frame, waits for its echo, sends the next. */
class LoopConnection implements FrameSink {
  count = 0;
  running = true;
  private readonly decoder = new FrameDecoder(this);

  constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk) => this.decoder.push(chunk));
    socket.on('error', () => socket.destroy());
  }

  start(): void {
    this.socket.write(FRAME);
  }

  onFrame(): void {
    this.count++;
    if (this.running) this.socket.write(FRAME);
  }
}

async function startServer(mode: EchoMode): Promise<{ worker: Worker; port: number }> {
  const worker = spawnWorker(new URL('./reactor-echo-server.ts', import.meta.url), {
    workerData: { mode, msgid: ECHO_MSGID } satisfies EchoServerData,
  });
  const [msg] = (await once(worker, 'message')) as [{ port: number }];
  return { worker, port: msg.port };
}

async function stopServer(worker: Worker): Promise<void> {
  worker.postMessage('close');
  await once(worker, 'message');
  await worker.terminate();
}

async function measure(mode: EchoMode, connections: number, seconds = SECONDS): Promise<number> {
  const { worker, port } = await startServer(mode);
  const sockets: Socket[] = [];
  try {
    for (let i = 0; i < connections; i++) {
      const s = connect(port, '127.0.0.1');
      await once(s, 'connect');
      sockets.push(s);
    }
    const loops = sockets.map((s) => new LoopConnection(s));
    for (const l of loops) l.start();
    await new Promise((r) => setTimeout(r, WARMUP_MS));
    const before = loops.reduce((n, l) => n + l.count, 0);
    const t0 = process.hrtime.bigint();
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const after = loops.reduce((n, l) => n + l.count, 0);
    const elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
    for (const l of loops) l.running = false;
    return (after - before) / elapsed;
  } finally {
    for (const s of sockets) s.destroy();
    await stopServer(worker);
  }
}

interface Point {
  connections: number;
  bareRps: number;
  reactorRps: number;
  ratio: number;
}

// Warm the client's code paths up on both servers; these runs are discarded.
await measure('bare', 10, 1);
await measure('reactor', 10, 1);

const points: Point[] = [];
for (const connections of CONNECTIONS) {
  // ABBA order with the same client and load, so drift in the machine's
  // background load hits both sides alike; each side is the mean of its two.
  const bare1 = await measure('bare', connections);
  const reactor1 = await measure('reactor', connections);
  const reactor2 = await measure('reactor', connections);
  const bare2 = await measure('bare', connections);
  const bareRps = (bare1 + bare2) / 2;
  const reactorRps = (reactor1 + reactor2) / 2;
  points.push({ connections, bareRps, reactorRps, ratio: reactorRps / bareRps });
}

const result = {
  benchmark: 'reactor-echo',
  machine: machine(),
  secondsPerPoint: SECONDS,
  bodyBytes: 64,
  points: points.map((p) => ({ ...p, bareRps: Math.round(p.bareRps), reactorRps: Math.round(p.reactorRps) })),
  ratio: Math.min(...points.map((p) => p.ratio)),
};

if (args.json) {
  process.stdout.write(`${JSON.stringify(result)}\n`);
} else {
  const m = result.machine;
  process.stdout.write(
    `reactor echo: ${m.cores} cores, ${m.cpu}, node ${m.node}; ${SECONDS} s per run, ABBA order, 64-byte bodies, 1 frame in flight per connection\n\n`,
  );
  printTable(
    points.map((p) => ({
      connections: p.connections,
      'bare net req/s': Math.round(p.bareRps),
      'reactor req/s': Math.round(p.reactorRps),
      ratio: p.ratio,
    })),
  );
  process.stdout.write(`\nworst ratio: ${result.ratio.toFixed(3)}\n`);
}
