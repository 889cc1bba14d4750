// A reporter stand-in for the agent's report-link tests: a TCP server that
// decodes the ReportStatusRequests it reads and can misbehave the ways a
// reporter does (paused like SIGSTOP, closing every new connection at once
// like one over its maxConn). The real reporter would add MySQL and nothing
// the link sees.
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { decodeBody, MessageId } from '@lars/proto';
import { FrameDecoder } from '@lars/wire';

export class FakeReporter {
  port = 0;
  /** Connections accepted, and of those closed at once (closeNew). */
  accepted = 0;
  closedAtOnce = 0;
  /** Frames read, all of them; and the distinct snapshots among them (see snapshotId). */
  frames = 0;
  readonly distinct = new Set<string>();
  /** Per route (`modid:cmdid`): the highest call count seen in a snapshot. */
  readonly latest = new Map<string, number>();
  /** Size of the last frame body read. */
  lastBodyBytes = 0;
  /** New connections are read from only after resume() (a SIGSTOPped reporter: the kernel buffers fill). */
  pauseNew = false;
  /** New connections are closed at once, unread (a reporter over its maxConn). */
  closeNew = false;
  private readonly server: Server;
  private readonly open = new Set<Socket>();
  private readonly paused = new Set<Socket>();

  private constructor() {
    this.server = createServer((socket) => this.onConnection(socket));
  }

  static async start(): Promise<FakeReporter> {
    const fake = new FakeReporter();
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    fake.port = (fake.server.address() as AddressInfo).port;
    return fake;
  }

  /**
   * A snapshot's identity: its route and its total call count. Tests send
   * only successes on a route whose window never closes, so each snapshot of
   * a route counts more calls than the one before it.
   */
  static snapshotId(modid: number, cmdid: number, calls: number): string {
    return `${modid}:${cmdid}:${calls}`;
  }

  /** Connections open now. */
  get openConnections(): number {
    return this.open.size;
  }

  /** Stops reading every open connection (new ones too while pauseNew is set). */
  pauseAll(): void {
    for (const s of this.open) this.pauseSocket(s);
  }

  /** Reads every paused connection again and stops pausing new ones. */
  resume(): void {
    this.pauseNew = false;
    for (const s of this.paused) s.resume();
    this.paused.clear();
  }

  /** Destroys every open connection (a reporter restart, seen from the agent). */
  dropAll(): void {
    for (const s of this.open) s.destroy();
  }

  async close(): Promise<void> {
    this.dropAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private pauseSocket(socket: Socket): void {
    socket.pause();
    this.paused.add(socket);
  }

  private onConnection(socket: Socket): void {
    this.accepted++;
    if (this.closeNew) {
      this.closedAtOnce++;
      socket.destroy();
      return;
    }
    this.open.add(socket);
    const decoder = new FrameDecoder({ onFrame: (msgid, body) => this.onFrame(msgid, body) });
    socket.on('data', (chunk: Buffer) => {
      const err = decoder.push(chunk);
      if (err !== null) throw err;
    });
    if (this.pauseNew) this.pauseSocket(socket);
    // The agent dropped it (a stall): finish after reading what was buffered.
    socket.on('end', () => socket.end());
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      this.open.delete(socket);
      this.paused.delete(socket);
    });
  }

  private onFrame(msgid: number, body: Buffer): void {
    if (msgid !== MessageId.ReportStatusRequest) throw new Error(`unexpected msgid ${msgid}`);
    this.frames++;
    this.lastBodyBytes = body.length;
    const req = decodeBody(MessageId.ReportStatusRequest, body);
    let calls = 0;
    for (const r of req.results) calls += (r.succ ?? 0) + (r.err ?? 0);
    const route = `${req.modid}:${req.cmdid}`;
    this.distinct.add(FakeReporter.snapshotId(req.modid, req.cmdid, calls));
    this.latest.set(route, Math.max(calls, this.latest.get(route) ?? 0));
  }
}
