// A protocol-level DNS client for tests: a reactor TcpClient that records
// every GetRouteResponse (replies and pushes alike) and lets a test wait for
// the next one matching a key.
import { intToIp, MessageId } from '@lars/proto';
import { TcpClient, type TcpConnection } from '@lars/reactor';
import { MessageRouter } from '@lars/wire';

export interface RouteAnswer {
  modid: number;
  cmdid: number;
  /** "ip:port", sorted, for easy comparison. */
  hosts: string[];
}

interface Waiter {
  modid: number;
  cmdid: number;
  from: number;
  resolve: (a: RouteAnswer) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export class RouteClient {
  readonly answers: RouteAnswer[] = [];
  private readonly waiters = new Set<Waiter>();
  private readonly client: TcpClient;

  private constructor(port: number) {
    const router = new MessageRouter<TcpConnection>();
    router.on(MessageId.GetRouteResponse, (res) => {
      const answer: RouteAnswer = {
        modid: res.modid,
        cmdid: res.cmdid,
        hosts: res.host.map((h) => `${intToIp(h.ip ?? 0)}:${h.port ?? 0}`).sort(),
      };
      this.answers.push(answer);
      for (const w of this.waiters) this.settle(w);
    });
    this.client = new TcpClient(router, { host: '127.0.0.1', port, backoff: { initialMs: 50, maxMs: 200 } });
  }

  static async connect(port: number): Promise<RouteClient> {
    const c = new RouteClient(port);
    c.client.connect();
    await c.client.whenConnected();
    return c;
  }

  /** Sends GetRouteRequest and resolves with the next answer for that key. */
  ask(modid: number, cmdid: number, timeoutMs = 10_000): Promise<RouteAnswer> {
    const answer = this.next(modid, cmdid, timeoutMs);
    this.client.send(MessageId.GetRouteRequest, { modid, cmdid });
    return answer;
  }

  /** Sends GetRouteRequest without waiting for the answer (it lands in `answers`). */
  pull(modid: number, cmdid: number): void {
    this.client.send(MessageId.GetRouteRequest, { modid, cmdid });
  }

  /** Resolves with the first answer for the key received from now on. */
  next(modid: number, cmdid: number, timeoutMs = 10_000): Promise<RouteAnswer> {
    return new Promise((resolve, reject) => {
      const w: Waiter = {
        modid,
        cmdid,
        from: this.answers.length,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.delete(w);
          reject(new Error(`no GetRouteResponse for ${modid}/${cmdid} within ${timeoutMs} ms`));
        }, timeoutMs),
      };
      this.waiters.add(w);
    });
  }

  /** Answers received for a key. */
  answersFor(modid: number, cmdid: number): RouteAnswer[] {
    return this.answers.filter((a) => a.modid === modid && a.cmdid === cmdid);
  }

  get connected(): boolean {
    return this.client.connection !== null;
  }

  async close(): Promise<void> {
    for (const w of this.waiters) clearTimeout(w.timer);
    await this.client.close();
  }

  private settle(w: Waiter): void {
    for (let i = w.from; i < this.answers.length; i++) {
      const a = this.answers[i];
      if (a.modid === w.modid && a.cmdid === w.cmdid) {
        clearTimeout(w.timer);
        this.waiters.delete(w);
        w.resolve(a);
        return;
      }
    }
  }
}
