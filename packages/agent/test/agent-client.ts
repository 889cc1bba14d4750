// A small protocol-level agent client for tests (the SDK proper comes later):
// one connected UDP socket per agent port, get_host matched by seq.
import { agentPortIndex, intToIp, ipToInt, MessageId, type RetCode } from '@lars/proto';
import { MessageRouter, UdpClient } from '@lars/wire';

export interface HostAnswer {
  ret: RetCode;
  /** "ip:port" when ret is SUCC. */
  host?: string;
}

export class AgentClient {
  private readonly sockets: UdpClient[] = [];
  private readonly hostWaiters = new Map<number, (a: HostAnswer) => void>();
  private readonly routeWaiters = new Map<string, (hosts: string[]) => void>();
  private seq = 0;

  private constructor() {}

  static async open(basePort: number): Promise<AgentClient> {
    const c = new AgentClient();
    const router = new MessageRouter<UdpClient>()
      .on(MessageId.GetHostResponse, (res) => {
        const w = c.hostWaiters.get(res.seq);
        if (w === undefined) return;
        c.hostWaiters.delete(res.seq);
        w({
          ret: res.retcode as RetCode,
          host: res.host ? `${intToIp(res.host.ip ?? 0)}:${res.host.port ?? 0}` : undefined,
        });
      })
      .on(MessageId.ApiGetRouteResponse, (res) => {
        const key = `${res.modid}:${res.cmdid}`;
        const w = c.routeWaiters.get(key);
        if (w === undefined) return;
        c.routeWaiters.delete(key);
        w(res.host.map((h) => `${intToIp(h.ip ?? 0)}:${h.port ?? 0}`).sort());
      });
    for (let i = 0; i < 3; i++) {
      const s = new UdpClient({ host: '127.0.0.1', port: basePort + i, router });
      await s.connect();
      c.sockets.push(s);
    }
    return c;
  }

  private socketFor(modid: number, cmdid: number): UdpClient {
    return this.sockets[agentPortIndex(modid, cmdid)];
  }

  /** GetHostRequests sent so far. */
  get getHostsSent(): number {
    return this.seq;
  }

  getHost(modid: number, cmdid: number, timeoutMs = 5000): Promise<HostAnswer> {
    const seq = ++this.seq;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.hostWaiters.delete(seq);
        reject(new Error(`no GetHostResponse for seq ${seq}`));
      }, timeoutMs);
      this.hostWaiters.set(seq, (a) => {
        clearTimeout(timer);
        resolve(a);
      });
      this.socketFor(modid, cmdid).send(MessageId.GetHostRequest, { seq, modid, cmdid });
    });
  }

  getRoute(modid: number, cmdid: number, timeoutMs = 5000): Promise<string[]> {
    const key = `${modid}:${cmdid}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.routeWaiters.delete(key);
        reject(new Error(`no API_GetRouteResponse for ${key}`));
      }, timeoutMs);
      this.routeWaiters.set(key, (hosts) => {
        clearTimeout(timer);
        resolve(hosts);
      });
      this.socketFor(modid, cmdid).send(MessageId.ApiGetRouteRequest, { modid, cmdid });
    });
  }

  /** `host` is "ip:port"; retcode 0 = success. */
  report(modid: number, cmdid: number, host: string, retcode: number, timecost = 0): void {
    const [ip, port] = host.split(':');
    this.socketFor(modid, cmdid).send(MessageId.ReportRequest, {
      modid,
      cmdid,
      host: { ip: ipToInt(ip), port: Number(port) },
      retcode,
      timecost,
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.sockets.map((s) => s.close()));
  }
}
