// The socket of a pooled connection to a `[mysql] db_hosts` list. A mysql2
// pool connects to one host; given a `stream` factory instead, each of its
// connections runs over the stream the factory returns. This one opens a TCP
// socket to the first address of a MysqlFailover that accepts one, so the
// pool stays an ordinary mysql2 Pool (its users keep their types) while its
// new connections fail over. Failover is at the TCP level only: a server
// that accepts and then refuses the handshake is not skipped (MysqlLink,
// which opens whole MySQL connections per address, does skip it).
import { connect, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import type { MysqlFailover } from './mysql-failover.js';
import { formatMysqlAddress, type MysqlAddress } from './mysql-settings.js';

/** A TCP socket to `a`, or an ETIMEDOUT error after `timeoutMs`. */
export function connectTcp(a: MysqlAddress, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: a.host, port: a.port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(Object.assign(new Error(`connect ETIMEDOUT ${formatMysqlAddress(a)}`), { code: 'ETIMEDOUT' }));
    }, timeoutMs);
    // The socket holds the process while it connects; the timer need not.
    timer.unref();
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(socket);
    });
  });
}

interface PendingWrite {
  chunk: Buffer;
  callback: (err?: Error | null) => void;
}

/** What mysql2 reads and writes: bytes through to the socket once one address accepted it. */
export class FailoverStream extends Duplex {
  private socket: Socket | null = null;
  private pending: PendingWrite[] = [];

  constructor(failover: MysqlFailover, connectTimeoutMs: number) {
    super();
    let address: MysqlAddress | null = null;
    failover
      .connect(async (a) => {
        const s = await connectTcp(a, connectTimeoutMs);
        address = a;
        return s;
      })
      .then(
        (socket) => this.attach(socket, (err) => failover.broke(address as MysqlAddress, err)),
        (err: unknown) => this.destroy(err instanceof Error ? err : new Error(String(err))),
      );
  }

  private attach(socket: Socket, broke: (err: Error) => void): void {
    if (this.destroyed) {
      socket.destroy();
      return;
    }
    this.socket = socket;
    socket.setNoDelay(true);
    socket.setKeepAlive(true);
    socket.on('data', (data: Buffer) => {
      if (!this.push(data)) socket.pause();
    });
    socket.on('end', () => this.push(null));
    socket.on('error', (err) => {
      broke(err);
      this.destroy(err);
    });
    socket.on('close', () => this.destroy());
    for (const w of this.pending.splice(0)) socket.write(w.chunk, w.callback);
  }

  override _read(): void {
    this.socket?.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    if (this.socket === null) this.pending.push({ chunk, callback });
    else this.socket.write(chunk, callback);
  }

  override _final(callback: (err?: Error | null) => void): void {
    this.socket?.end();
    callback();
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    this.socket?.destroy();
    for (const w of this.pending.splice(0)) w.callback(err ?? new Error('stream destroyed'));
    callback(err);
  }
}
