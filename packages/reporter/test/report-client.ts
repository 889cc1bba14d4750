// A protocol-level agent stand-in for reporter tests: sends ReportStatusRequests over TCP.
import { MessageId, type ReportStatusRequest } from '@lars/proto';
import { TcpClient, type TcpConnection } from '@lars/reactor';
import { MessageRouter } from '@lars/wire';

export class ReportClient {
  private constructor(private readonly client: TcpClient) {}

  static async connect(port: number): Promise<ReportClient> {
    const client = new TcpClient(new MessageRouter<TcpConnection>(), {
      host: '127.0.0.1',
      port,
      maxQueuedBytes: 4 * 1024 * 1024,
      maxOutputBytes: 64 * 1024 * 1024,
    });
    client.connect();
    await client.whenConnected();
    return new ReportClient(client);
  }

  send(req: ReportStatusRequest): void {
    const outcome = this.client.send(MessageId.ReportStatusRequest, req);
    if (outcome !== 'sent' && outcome !== 'queued') throw new Error(`report not sent: ${outcome}`);
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

/** A snapshot of one host of (modid, cmdid), as an agent reports it. */
export function snapshot(
  modid: number,
  cmdid: number,
  ip: number,
  port: number,
  succ: number,
  err: number,
  overload = false,
  ts = 1_700_000_000,
): ReportStatusRequest {
  return { modid, cmdid, caller: 2130706433, ts, results: [{ ip, port, succ, err, overload }] };
}
