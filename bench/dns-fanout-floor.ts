// DNS fan-out (benchmarks.md), the floor: a bare node:net server in a
// process of its own, forked by bench/dns-fanout.ts. It accepts the client's
// N connections and, on each `push` message, writes the same frame bytes
// the DNS pushed (one shared Buffer, as the DNS encodes a push once) to all
// of them, with nothing else: no framing of input, no subscriptions, no
// MySQL. It reports the shared-clock time just before the first write.
import { createServer, type Socket } from 'node:net';
import { sharedClock } from './bench-common.js';

/** Parent -> floor. */
export type FloorCommand = { type: 'frame'; hex: string } | { type: 'push'; round: number } | { type: 'count' };

/** Floor -> parent. */
export type FloorReport =
  | { type: 'listening'; port: number }
  | { type: 'pushed'; round: number; t0: number }
  | { type: 'count'; n: number };

const sockets = new Set<Socket>();
let frame: Buffer = Buffer.alloc(0);

const server = createServer((socket) => {
  socket.setNoDelay(true);
  sockets.add(socket);
  socket.on('error', () => undefined);
  socket.on('close', () => sockets.delete(socket));
});

function send(report: FloorReport): void {
  process.send?.(report);
}

server.listen({ host: '127.0.0.1', port: 0, backlog: 4096 }, () => {
  const address = server.address();
  send({ type: 'listening', port: typeof address === 'object' && address !== null ? address.port : 0 });
});

process.on('message', (cmd: FloorCommand) => {
  switch (cmd.type) {
    case 'frame':
      frame = Buffer.from(cmd.hex, 'hex');
      return;
    case 'push': {
      const t0 = sharedClock();
      for (const s of sockets) s.write(frame);
      send({ type: 'pushed', round: cmd.round, t0 });
      return;
    }
    case 'count':
      send({ type: 'count', n: sockets.size });
      return;
  }
});
process.on('disconnect', () => process.exit(0));
