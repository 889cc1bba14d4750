// Worker side of the reactor echo benchmark: one echo server in its own
// thread, so server and client do not share an event loop. `mode` picks the
// Lars side (reactor framing, router, per-frame send) or the floor (a bare
// net server writing back whatever bytes arrive, no framing at all).
import { createServer, type Server } from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import { TcpServer, type TcpConnection } from '@lars/reactor';
import { MessageRouter } from '@lars/wire';

export type EchoMode = 'reactor' | 'bare';
export interface EchoServerData {
  mode: EchoMode;
  msgid: number;
}

const { mode, msgid: echoMsgid } = workerData as EchoServerData;
const port = parentPort!;

if (mode === 'reactor') {
  const router = new MessageRouter<TcpConnection>();
  router.onRaw(echoMsgid, (body, msgid, conn) => {
    conn.sendRaw(msgid, body);
  });
  const server = new TcpServer(router, { host: '127.0.0.1', port: 0, maxConn: 1024 });
  const { port: listening } = await server.listen();
  port.postMessage({ port: listening });
  port.once('message', () => void server.close().then(() => port.postMessage('closed')));
} else {
  const server: Server = createServer({ noDelay: true }, (socket) => {
    socket.on('data', (chunk) => socket.write(chunk));
    socket.on('error', () => socket.destroy());
  });
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    port.postMessage({ port: typeof address === 'object' && address !== null ? address.port : 0 });
  });
  port.once('message', () => {
    server.close(() => port.postMessage('closed'));
    server.unref();
  });
}
