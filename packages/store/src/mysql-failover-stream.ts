// The socket of a pooled connection to a `[mysql] db_hosts` list. A mysql2
// pool connects to one host; given a `stream` factory instead, each of its
// connections runs over the stream the factory returns. This one opens a TCP
// socket to the first address of a MysqlFailover that accepts one, so the
// pool stays an ordinary mysql2 Pool (its users keep their types) while its
// new connections fail over. A server that accepts and then refuses the
// handshake is not skipped (MysqlLink, which opens whole MySQL connections
// per address, does skip it). A server that answers a statement with an
// error saying it cannot serve (NODE_UNUSABLE_ERRNOS: a Galera node out of
// the primary component, read-only) has that answer delivered, then the
// stream ends: mysql2 drops the connection from the pool and the next one
// starts at the following address, as after a connection that broke.
import { connect, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { MysqlErrScanner } from './mysql-err-scanner.js';
import { NODE_UNUSABLE_ERRNOS } from './mysql-errors.js';
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
    let unusable: number | null = null;
    const scanner = new MysqlErrScanner((errno) => {
      if (unusable === null && NODE_UNUSABLE_ERRNOS.has(errno)) unusable = errno;
    });
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      this.push(null);
    };
    socket.on('data', (data: Buffer) => {
      if (ended) return;
      scanner.feed(data);
      if (!this.push(data)) socket.pause();
      if (unusable === null) return;
      // The statement has its answer (pushed before the end). At the end the
      // pool drops the connection and this stream destroys itself
      // (autoDestroy), which closes the socket.
      broke(Object.assign(new Error(`the server answered errno ${unusable}: it cannot serve`), { errno: unusable }));
      socket.pause();
      end();
    });
    socket.on('end', end);
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
