import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { checkOption, ErrorCode, LarsError } from '@lars/wire';

const HOST = '127.0.0.1';
const MAX_PORT = 65_535;
const MAX_ATTEMPTS = 50;

function canBindTcp(port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(null));
    server.listen({ host: HOST, port, exclusive: true }, () => {
      const address = server.address();
      const bound = typeof address === 'object' && address !== null ? address.port : null;
      server.close(() => resolve(bound));
    });
  });
}

function canBindUdp(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.once('error', () => {
      try {
        socket.close();
      } catch {
        // A socket whose bind failed may already count as closed.
      }
      resolve(false);
    });
    socket.bind({ address: HOST, port, exclusive: true }, () => socket.close(() => resolve(true)));
  });
}

/**
 * A port nothing listens on, for "the peer is not there": connecting to it
 * is refused at once. Not a freePort(): a test running beside may bind that
 * port (a MariaDB node, a daemon) and answer. No test or daemon here binds a
 * port below 1024, and 1 (tcpmux) runs nowhere.
 */
export const REFUSED_PORT = 1;

/** True when `port` can be bound on 127.0.0.1 for both TCP and UDP right now. */
export async function isPortFree(port: number): Promise<boolean> {
  return (await canBindTcp(port)) === port && (await canBindUdp(port));
}

/**
 * A port free on 127.0.0.1 for TCP and UDP when checked. Another process may
 * still take it before the caller binds it, so callers retry on EADDRINUSE.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const port = await canBindTcp(0);
    if (port !== null && (await canBindUdp(port))) return port;
  }
  throw new LarsError(ErrorCode.TIMEOUT, `no free TCP+UDP port found in ${MAX_ATTEMPTS} attempts`);
}

/**
 * A base port such that base .. base+count-1 are all free on TCP and UDP
 * (the agent listens on three consecutive UDP ports). Same race caveat as
 * freePort.
 */
export async function freePortRange(count = 3): Promise<number> {
  checkOption(Number.isInteger(count) && count >= 1 && count <= 64, 'count', 'must be an integer in 1..64');
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const base = await freePort();
    if (base + count - 1 > MAX_PORT) continue;
    let allFree = true;
    for (let port = base + 1; port < base + count && allFree; port++) {
      allFree = await isPortFree(port);
    }
    if (allFree) return base;
  }
  throw new LarsError(ErrorCode.TIMEOUT, `no ${count} consecutive free ports found in ${MAX_ATTEMPTS} attempts`);
}
