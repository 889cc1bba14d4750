// One client thread of the agent benchmark. Keeps `inflight` loops going on
// one connected UDP socket: GetHostRequest(seq) -> the reply with that seq ->
// a ReportRequest for the host when the answer is SUCC -> the next request.
// The reply is decoded by its msgid: a GetHostResponse (5) from the agent, or
// the GetHostRequest (4) itself echoed by the floor, which counts as SUCC with
// a fixed host so the floor sees the same datagrams. Everything else is the
// same code for both sides.
import { parentPort, workerData } from 'node:worker_threads';
import { decodeBody, MessageId, RetCode, type GetHostRequest, type HostInfo, type ReportRequest } from '@lars/proto';
import { UdpClient } from '@lars/reactor';

export interface ClientWorkerData {
  /** modid of this thread (cmdid is 1). */
  modid: number;
}

/** Main -> worker. */
export type ClientCommand =
  /** Loops go to base_port + (modid + cmdid) % 3, the agent port that owns the key (protocol.md). */
  | { type: 'run'; basePort: number; inflight: number }
  /** Starts counting: what came before was warm-up. */
  | { type: 'measure' }
  | { type: 'stop' };

/** Worker -> main. */
export type ClientEvent = { type: 'ready' } | { type: 'running' } | ({ type: 'result' } & ClientResult);

export interface ClientResult {
  loops: number;
  seconds: number;
  /** get_host latency of every counted loop, ms (length = loops). */
  latencies: Float64Array;
  /** Answers by retcode (SUCC, OVERLOAD, SYSTEM_ERROR, NOEXIST). */
  retcodes: number[];
  /** Requests whose reply never came within TIMEOUT_MS (re-sent with a new seq). */
  lost: number;
}

const CMDID = 1;
const AGENT_PORTS = 3;
/** A loop whose reply is this late is taken as lost, so one dropped datagram never stalls it. */
const TIMEOUT_MS = 200;
const SCAN_MS = 50;
/** What the floor "reports" on: a host like the sample routes' (127.0.0.1:9001). */
const FLOOR_HOST: HostInfo = { ip: 2130706433, port: 9001 };

const { modid } = workerData as ClientWorkerData;
const port = parentPort!;

/** The loops of one run; a new socket per run, so late replies of an earlier run never arrive. */
class Loops {
  private readonly client: UdpClient;
  /** Per slot: the seq awaited and when it was sent. seq % inflight is the slot. */
  private readonly seqs: Float64Array;
  private readonly sentAt: Float64Array;
  private readonly request: GetHostRequest = { seq: 0, modid, cmdid: CMDID };
  private readonly report: ReportRequest = { modid, cmdid: CMDID, host: null };
  private latencies = new Float64Array(1 << 16);
  private loops = 0;
  private lost = 0;
  private readonly retcodes = [0, 0, 0, 0];
  private measuring = false;
  private startedAt = 0;
  private running = true;
  private readonly scanner: NodeJS.Timeout;

  constructor(
    serverPort: number,
    private readonly inflight: number,
  ) {
    this.client = new UdpClient({ port: serverPort, onFrame: this.onReply });
    this.seqs = new Float64Array(inflight);
    this.sentAt = new Float64Array(inflight);
    this.scanner = setInterval(this.resendLost, SCAN_MS);
  }

  async start(): Promise<void> {
    await this.client.connect();
    for (let slot = 0; slot < this.inflight; slot++) this.send(slot, slot);
  }

  measure(): void {
    this.loops = 0;
    this.lost = 0;
    this.retcodes.fill(0);
    this.measuring = true;
    this.startedAt = performance.now();
  }

  async stop(): Promise<ClientResult> {
    this.running = false;
    const seconds = (performance.now() - this.startedAt) / 1000;
    clearInterval(this.scanner);
    await this.client.close();
    return { loops: this.loops, seconds, latencies: this.latencies.slice(0, this.loops), retcodes: [...this.retcodes], lost: this.lost };
  }

  private send(slot: number, seq: number): void {
    this.seqs[slot] = seq;
    this.request.seq = seq;
    this.sentAt[slot] = performance.now();
    this.client.send(MessageId.GetHostRequest, this.request);
  }

  private readonly onReply = (msgid: number, body: Buffer): void => {
    const now = performance.now();
    let seq: number;
    let retcode: number;
    let host: HostInfo | null | undefined;
    if (msgid === MessageId.GetHostResponse) {
      const res = decodeBody(MessageId.GetHostResponse, body);
      seq = res.seq;
      retcode = res.retcode;
      host = res.host;
    } else if (msgid === MessageId.GetHostRequest) {
      seq = decodeBody(MessageId.GetHostRequest, body).seq;
      retcode = RetCode.SUCC;
      host = FLOOR_HOST;
    } else {
      return;
    }
    const slot = seq % this.inflight;
    if (this.seqs[slot] !== seq || !this.running) return;
    if (this.measuring) this.record(now - this.sentAt[slot], retcode);
    if (retcode === RetCode.SUCC && host) {
      this.report.host = host;
      this.client.send(MessageId.ReportRequest, this.report);
    }
    this.send(slot, seq + this.inflight);
  };

  private record(latency: number, retcode: number): void {
    if (this.loops === this.latencies.length) {
      const grown = new Float64Array(this.latencies.length * 2);
      grown.set(this.latencies);
      this.latencies = grown;
    }
    this.latencies[this.loops++] = latency;
    if (retcode >= 0 && retcode < this.retcodes.length) this.retcodes[retcode]++;
  }

  private readonly resendLost = (): void => {
    const late = performance.now() - TIMEOUT_MS;
    for (let slot = 0; slot < this.inflight; slot++) {
      if (this.sentAt[slot] >= late) continue;
      if (this.measuring) this.lost++;
      this.send(slot, this.seqs[slot] + this.inflight);
    }
  };
}

let loops: Loops | null = null;

port.on('message', (cmd: ClientCommand) => {
  if (cmd.type === 'run') {
    loops = new Loops(cmd.basePort + ((modid + CMDID) % AGENT_PORTS), cmd.inflight);
    void loops.start().then(() => port.postMessage({ type: 'running' } satisfies ClientEvent));
  } else if (cmd.type === 'measure') {
    loops?.measure();
  } else if (loops !== null) {
    const current = loops;
    loops = null;
    void current.stop().then((result) => port.postMessage({ type: 'result', ...result } satisfies ClientEvent, [result.latencies.buffer as ArrayBuffer]));
  }
});
port.postMessage({ type: 'ready' } satisfies ClientEvent);
