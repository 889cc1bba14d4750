// A scripted stand-in for the LB agent: three reactor UdpServers on
// consecutive free ports that record every request and answer only as the
// test says, so the SDK's matching, timeouts and retries can be driven exactly.
import { decodeBody, MessageId } from '@lars/proto';
import type { DecodedMessageMap, GetHostResponse, GetRouteResponse } from '@lars/proto';
import { MessageRouter, UdpServer } from '@lars/wire';
import type { UdpReplyTarget } from '@lars/wire';
import { freePortRange } from '../../../test-support/ports.js';

/** A request as the fake agent got it, with where to answer it. */
export interface Received<M> {
  /** 0..2: which of the three ports it arrived on. */
  portIndex: number;
  message: M;
  address: string;
  port: number;
}

export type HostRequest = Received<DecodedMessageMap[typeof MessageId.GetHostRequest]>;
export type RouteRequest = Received<DecodedMessageMap[typeof MessageId.ApiGetRouteRequest]>;
export type ReportReceived = Received<DecodedMessageMap[typeof MessageId.ReportRequest]> & { body: Buffer };

export class FakeAgent {
  readonly hostRequests: HostRequest[] = [];
  readonly routeRequests: RouteRequest[] = [];
  readonly reports: ReportReceived[] = [];
  /** Called for each GetHostRequest; silent (no answer) by default. */
  onGetHost: (req: HostRequest, agent: FakeAgent) => void = () => undefined;
  /** Called for each API_GetRouteRequest; silent by default. */
  onGetRoute: (req: RouteRequest, agent: FakeAgent) => void = () => undefined;
  private readonly servers: UdpServer[] = [];

  private constructor(readonly basePort: number) {}

  static async start(): Promise<FakeAgent> {
    for (let attempt = 0; ; attempt++) {
      const agent = new FakeAgent(await freePortRange(3));
      try {
        for (let i = 0; i < 3; i++) await agent.listen(i);
        return agent;
      } catch (err) {
        // Another process took one of the ports between the check and the bind.
        await agent.close();
        if (attempt >= 5) throw err;
      }
    }
  }

  /** Sends a GetHostResponse to where `req` came from, on the port it came to. */
  replyHost(req: Received<unknown>, res: GetHostResponse): void {
    this.servers[req.portIndex].sendTo(req.address, req.port, MessageId.GetHostResponse, res);
  }

  /** Sends an API_GetRouteResponse to where `req` came from. */
  replyRoute(req: Received<unknown>, res: GetRouteResponse): void {
    this.servers[req.portIndex].sendTo(req.address, req.port, MessageId.ApiGetRouteResponse, res);
  }

  async close(): Promise<void> {
    await Promise.all(this.servers.map((s) => s.close()));
  }

  private async listen(portIndex: number): Promise<void> {
    const received = <M>(message: M, conn: UdpReplyTarget): Received<M> => ({
      portIndex,
      message,
      address: conn.address,
      port: conn.port,
    });
    const router = new MessageRouter<UdpReplyTarget>()
      .on(MessageId.GetHostRequest, (message, _id, conn) => {
        const req = received(message, conn);
        this.hostRequests.push(req);
        this.onGetHost(req, this);
      })
      .on(MessageId.ApiGetRouteRequest, (message, _id, conn) => {
        const req = received(message, conn);
        this.routeRequests.push(req);
        this.onGetRoute(req, this);
      })
      .onRaw(MessageId.ReportRequest, (body, _id, conn) => {
        const message = decodeBody(MessageId.ReportRequest, body);
        this.reports.push({ ...received(message, conn), body: Buffer.from(body) });
      });
    const server = new UdpServer(router, { port: this.basePort + portIndex });
    this.servers.push(server);
    await server.listen();
  }
}
