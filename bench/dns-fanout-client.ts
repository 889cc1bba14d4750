// DNS fan-out (benchmarks.md), the agents' side: a process of its own,
// forked by bench/dns-fanout.ts and driven by IPC messages, that holds N
// raw protocol connections spread over several 127.0.0.x source addresses
// (so no one address needs more than N / 8 ephemeral ports, and the DNS's
// max_conn_per_ip is what a fleet of agents would meet). Against the DNS
// each connection pulls the route once (GetRouteRequest: that subscribes it)
// and then only reads pushes; against the floor it only reads. Every frame
// is decoded as a GetRouteResponse either way, so the floor costs this
// process what the DNS's pushes cost it.
//
// Per round the parent says what to expect; once the last of the N
// connections has it, the client reports the first and the last arrival on
// the shared clock: CLOCK_MONOTONIC (process.hrtime), ms with sub-ms
// precision, one clock for every process of the machine. Not
// performance.timeOrigin + performance.now(): timeOrigin is the wall clock
// at each process's start, and where the wall clock drifts from the
// monotonic one (5 ms a second on the machine of benchmarks.md, and it was
// stepped during a run) two processes started apart disagree by that much.
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { decodeBody, encodeBody, MessageId } from '@lars/proto';
import { encodeFrame, FrameDecoder, type FrameSink } from '@lars/wire';

/** Parent -> client. */
export type ClientCommand =
  /** Opens `n` connections to `port`; `subscribe`: pull the route on each and wait for every answer. */
  | { type: 'open'; port: number; n: number; sources: number; subscribe: { modid: number; cmdid: number } | null }
  /** The next round: a connection counts once it holds `hosts` hosts of the route (null: any frame counts). */
  | { type: 'expect'; round: number; hosts: number | null }
  /** Sends back the largest push frame received (header and body, hex). */
  | { type: 'frame' }
  | { type: 'close' };

/** Client -> parent. */
export type ClientReport =
  | { type: 'opened'; n: number; ms: number }
  | { type: 'ready'; round: number }
  | { type: 'arrived'; round: number; first: number; last: number }
  | { type: 'frame'; hex: string }
  | { type: 'closed' }
  | { type: 'error'; message: string };

/** The clock the three processes share: CLOCK_MONOTONIC, ms, sub-ms precision. */
export function sharedClock(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** How many connect attempts are in flight at once (below the listen backlog). */
const OPEN_CONCURRENCY = 256;

class Agent implements FrameSink {
  private readonly decoder = new FrameDecoder(this);
  /** The last round this connection counted in. */
  counted = -1;
  /** Host count of the route it holds. */
  hosts = -1;
  private answered: (() => void) | null = null;

  constructor(
    readonly socket: Socket,
    private readonly fanout: Fanout,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk) => this.decoder.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => fanout.lost(this));
  }

  /** Pulls the route and resolves on its answer. */
  pull(modid: number, cmdid: number): Promise<void> {
    return new Promise((resolve) => {
      this.answered = resolve;
      this.socket.write(
        encodeFrame(MessageId.GetRouteRequest, encodeBody(MessageId.GetRouteRequest, { modid, cmdid })),
      );
    });
  }

  onFrame(msgid: number, body: Buffer): void {
    const res = decodeBody(MessageId.GetRouteResponse, body);
    this.hosts = res.host.length;
    if (this.answered !== null) {
      const done = this.answered;
      this.answered = null;
      done();
      return;
    }
    this.fanout.arrived(this, msgid, body);
  }
}

class Fanout {
  private agents = new Set<Agent>();
  private closing = false;
  private round = -1;
  private want: number | null = null;
  private count = 0;
  private first = 0;
  private last = 0;
  private frame: Buffer = Buffer.alloc(0);
  private frameBodyBytes = -1;

  async open(cmd: Extract<ClientCommand, { type: 'open' }>): Promise<void> {
    const t0 = performance.now();
    this.closing = false;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < cmd.n) {
        const i = next++;
        const socket = connect({ port: cmd.port, host: '127.0.0.1', localAddress: `127.0.0.${1 + (i % cmd.sources)}` });
        const agent = new Agent(socket, this);
        this.agents.add(agent);
        await once(socket, 'connect');
        if (cmd.subscribe !== null) await agent.pull(cmd.subscribe.modid, cmd.subscribe.cmdid);
      }
    };
    await Promise.all(Array.from({ length: OPEN_CONCURRENCY }, worker));
    send({ type: 'opened', n: this.agents.size, ms: performance.now() - t0 });
  }

  expect(round: number, hosts: number | null): void {
    this.round = round;
    this.want = hosts;
    this.count = 0;
    // A connection may already hold it (it cannot here: the parent expects a change before making it).
    send({ type: 'ready', round });
  }

  arrived(agent: Agent, msgid: number, body: Buffer): void {
    if (agent.counted === this.round) return;
    if (this.want !== null && agent.hosts !== this.want) return;
    const now = sharedClock();
    agent.counted = this.round;
    if (this.count === 0) this.first = now;
    this.last = now;
    if (body.length > this.frameBodyBytes) {
      this.frame = encodeFrame(msgid, Buffer.from(body));
      this.frameBodyBytes = body.length;
    }
    if (++this.count === this.agents.size)
      send({ type: 'arrived', round: this.round, first: this.first, last: this.last });
  }

  lost(agent: Agent): void {
    this.agents.delete(agent);
    if (!this.closing) send({ type: 'error', message: `a connection closed (${this.agents.size} left)` });
  }

  frameHex(): string {
    return this.frame.toString('hex');
  }

  async close(): Promise<void> {
    this.closing = true;
    const closed = [...this.agents].map((a) => once(a.socket, 'close'));
    for (const a of this.agents) a.socket.destroy();
    await Promise.all(closed);
    this.agents = new Set();
    this.frame = Buffer.alloc(0);
    this.frameBodyBytes = -1;
    send({ type: 'closed' });
  }
}

function send(report: ClientReport): void {
  process.send?.(report);
}

const fanout = new Fanout();
process.on('message', (cmd: ClientCommand) => {
  const run = async (): Promise<void> => {
    switch (cmd.type) {
      case 'open':
        return fanout.open(cmd);
      case 'expect':
        return fanout.expect(cmd.round, cmd.hosts);
      case 'frame':
        return send({ type: 'frame', hex: fanout.frameHex() });
      case 'close':
        return fanout.close();
    }
  };
  run().catch((err: unknown) => send({ type: 'error', message: String(err) }));
});
process.on('disconnect', () => process.exit(0));
