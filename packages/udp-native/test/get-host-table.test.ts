// Threaded mode: the socket's own thread answers the get_hosts its table can
// answer, byte for byte as the agent would, and hands every other datagram
// to onBatch untouched. Exact counts: every datagram is either answered or
// delivered, never both, never twice.
import { createSocket, type Socket } from 'node:dgram';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { BatchUdpSocket, GetHostTable, ipv4ToU32 } from '../src/index.js';
import { ensureNativeBuilt } from './native-ready.js';

const LOOPBACK = '127.0.0.1';
const wait = { timeout: 20_000, interval: 5 };
const closers: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

beforeAll(() => {
  ensureNativeBuilt();
});

/** A threaded socket on loopback port 0 and its table; `delivered` collects what reached JavaScript, as hex. */
function threaded(): { server: BatchUdpSocket; table: GetHostTable; port: number; delivered: string[] } {
  const table = new GetHostTable({ slots: 16 });
  const server = new BatchUdpSocket({ getHostTable: table, recvSlots: 8, sendSlots: 8 });
  closers.push(() => server.close());
  const delivered: string[] = [];
  server.onBatch((count, first) => {
    for (let i = first; i < first + count; i++) delivered.push(Buffer.from(server.packet(i)).toString('hex'));
  });
  return { server, table, port: server.bind(LOOPBACK, 0), delivered };
}

async function client(): Promise<{ c: Socket; replies: string[] }> {
  const c = createSocket('udp4');
  closers.push(() => new Promise<void>((resolve) => c.close(() => resolve())));
  await new Promise<void>((resolve) => c.bind(0, LOOPBACK, resolve));
  const replies: string[] = [];
  c.on('message', (msg) => replies.push(msg.toString('hex')));
  return { c, replies };
}

function send(c: Socket, hex: string, port: number): Promise<void> {
  return new Promise((resolve, reject) =>
    c.send(Buffer.from(hex, 'hex'), port, LOOPBACK, (err) => (err ? reject(err) : resolve())),
  );
}

/** A GetHostRequest datagram {seq, modid, cmdid} (fields 1-3, each one byte here). */
function getHost(seq: number, modid: number, cmdid: number): string {
  const body = Buffer.from([0x08, seq, 0x10, modid, 0x18, cmdid]);
  const header = Buffer.alloc(8);
  header.writeInt32LE(4, 0);
  header.writeInt32LE(body.length, 4);
  return Buffer.concat([header, body]).toString('hex');
}

/** Serves (modid, cmdid) from `hosts` ("a.b.c.d:port") until `deadlineMs`. */
function serve(table: GetHostTable, modid: number, cmdid: number, hosts: string[], deadlineMs = Date.now() + 60_000) {
  const slot = table.open(modid, cmdid);
  table.lock(slot);
  hosts.forEach((h, i) => {
    const [ip, port] = h.split(':');
    table.setHost(slot, i, ipv4ToU32(ip), Number(port));
  });
  table.serve(slot, hosts.length, deadlineMs, 0);
  table.unlock(slot);
  return slot;
}

describe('GetHostTable in a threaded BatchUdpSocket', () => {
  it('answers the golden GetHostRequest byte for byte, without JavaScript', async () => {
    const { server, table, port, delivered } = threaded();
    serve(table, 1, 2, ['192.168.1.177:7777']);
    const { c, replies } = await client();
    await send(c, '0400000006000000080710011802', port);
    await vi.waitFor(() => expect(replies).toHaveLength(1), wait);
    expect(replies[0]).toBe('05000000160000000807100118022a0e08b183a085fcffffffff0110e13c');
    expect(delivered).toEqual([]);
    expect(table.answered()).toBe(1);
    expect(server.stats()).toMatchObject({ datagramsIn: 1, datagramsOut: 1, answered: 1, sendErrors: 0 });
  });

  it('answers in rotation from the head, and leaves the cursor and last access for JavaScript', async () => {
    const { table, port } = threaded();
    const slot = serve(table, 7, 8, ['10.0.0.1:1', '10.0.0.2:2', '10.0.0.3:3']);
    const { c, replies } = await client();
    const start = Date.now();
    for (let n = 1; n <= 7; n++) {
      await send(c, getHost(n, 7, 8), port);
      await vi.waitFor(() => expect(replies).toHaveLength(n), wait);
    }
    const hosts = [1, 2, 3, 1, 2, 3, 1];
    expect(replies).toEqual(hosts.map((i, n) => getHostReply(n + 1, 7, 8, `10.0.0.${i}`, i)));
    table.lock(slot);
    expect(table.cursor(slot)).toBe(1);
    expect(table.lastAccess(slot)).toBeGreaterThanOrEqual(start);
    table.unlock(slot);
    expect(table.answered()).toBe(7);
  });

  it('hands JavaScript, untouched, every datagram it cannot answer exactly', async () => {
    const { server, table, port, delivered } = threaded();
    serve(table, 1, 1, ['10.0.0.1:1']);
    serve(table, 2, 2, ['10.0.0.2:2'], Date.now() - 1);
    const held = serve(table, 3, 3, ['10.0.0.3:3']);
    table.lock(held);
    table.hold(held);
    table.unlock(held);
    const body = (hex: string) => {
      const header = Buffer.alloc(8);
      header.writeInt32LE(4, 0);
      header.writeInt32LE(hex.length / 2, 4);
      return header.toString('hex') + hex;
    };
    const odd = [
      getHost(1, 2, 2), // past the route's deadline (a pull is due)
      getHost(2, 3, 3), // held
      getHost(3, 4, 4), // no slot
      '07000000040000000801', // another msgid
      '0400000006000000080110011801ff', // msglen one short of the datagram
      '040000000700000008011001180120', // msglen past the datagram
      body('0801100118012001'), // a field the request does not have
      body('08011001180a'), // a length-delimited field
      body('0801100118ffffffff0f'), // cmdid above INT32_MAX
      body('0801108080808080011801'), // a varint of more than 5 bytes
      '04000000', // shorter than a header
    ];
    const { c, replies } = await client();
    for (const hex of odd) await send(c, hex, port);
    await vi.waitFor(() => expect(delivered).toHaveLength(odd.length), wait);
    expect(delivered).toEqual(odd);
    // Last of all, one it can answer: answered, not delivered.
    await send(c, getHost(9, 1, 1), port);
    await vi.waitFor(() => expect(replies).toHaveLength(1), wait);
    expect(replies[0]).toBe(getHostReply(9, 1, 1, '10.0.0.1', 1));
    expect(delivered).toHaveLength(odd.length);
    expect(table.answered()).toBe(1);
    expect(server.stats()).toMatchObject({
      datagramsIn: odd.length + 1,
      answered: 1,
      handed: odd.length,
      datagramsOut: 1,
    });
  });

  it('never waits for a slot JavaScript holds: that get_host goes to JavaScript', async () => {
    const { table, port, delivered } = threaded();
    const slot = serve(table, 4, 4, ['10.0.0.4:4', '10.0.0.5:5']);
    const { c, replies } = await client();
    table.lock(slot);
    await send(c, getHost(1, 4, 4), port);
    await vi.waitFor(() => expect(delivered).toEqual([getHost(1, 4, 4)]), wait);
    expect(table.cursor(slot)).toBe(0);
    table.unlock(slot);
    await send(c, getHost(2, 4, 4), port);
    await vi.waitFor(() => expect(replies).toEqual([getHostReply(2, 4, 4, '10.0.0.4', 4)]), wait);
    expect(table.answered()).toBe(1);
  });

  it('keeps arrival order: while JavaScript has a datagram it has not handled, later get_hosts go to it too', async () => {
    const { server, table, port, delivered } = threaded();
    serve(table, 6, 6, ['10.0.0.6:6']);
    // The client sends synchronously (sendmmsg), so it can send from inside
    // the server's handler, while the datagram being handled is unhandled.
    const c = new BatchUdpSocket({ recvSlots: 4, sendSlots: 4 });
    closers.push(() => c.close());
    const replies: string[] = [];
    c.onBatch((count, first) => {
      for (let i = first; i < first + count; i++) replies.push(Buffer.from(c.packet(i)).toString('hex'));
    });
    c.bind(LOOPBACK, 0);
    const taken = () => server.stats().answered + server.stats().handed;
    const report = '07000000040000000801';
    const later = getHost(1, 6, 6);
    let sentLater = false;
    server.onBatch((count, first) => {
      for (let i = first; i < first + count; i++) delivered.push(Buffer.from(server.packet(i)).toString('hex'));
      if (sentLater) return;
      sentLater = true;
      expect(c.send(Buffer.from(later, 'hex'), LOOPBACK, port)).toBe(true);
      // The thread must decide on `later` while this datagram is unhandled:
      // this handler returns only once the thread has answered or handed it.
      const until = Date.now() + wait.timeout;
      while (taken() < 2) if (Date.now() > until) throw new Error('the serving thread never took the get_host');
    });
    expect(c.send(Buffer.from(report, 'hex'), LOOPBACK, port)).toBe(true);
    await vi.waitFor(() => expect(delivered).toEqual([report, later]), wait);
    expect(server.stats()).toMatchObject({ datagramsIn: 2, answered: 0, handed: 2 });
    // Nothing is left unhandled: the next get_host is the thread's again.
    expect(c.send(Buffer.from(getHost(2, 6, 6), 'hex'), LOOPBACK, port)).toBe(true);
    await vi.waitFor(() => expect(replies).toEqual([getHostReply(2, 6, 6, '10.0.0.6', 6)]), wait);
    expect(server.stats()).toMatchObject({ datagramsIn: 3, answered: 1, handed: 2 });
    expect(table.answered()).toBe(1);
  });

  it('takes a key with last-wins fields and a 5-byte varint, as protobuf would', async () => {
    const { table, port } = threaded();
    serve(table, 5, 6, ['10.0.0.5:5']);
    const { c, replies } = await client();
    const header = Buffer.alloc(8);
    header.writeInt32LE(4, 0);
    // modid 9 then modid 5 (last wins); cmdid 6 written as a 5-byte varint.
    const bodyHex = '080310091005188680808000';
    header.writeInt32LE(bodyHex.length / 2, 4);
    await send(c, header.toString('hex') + bodyHex, port);
    await vi.waitFor(() => expect(replies).toHaveLength(1), wait);
    expect(replies[0]).toBe(getHostReply(3, 5, 6, '10.0.0.5', 5));
  });

  it('close() wakes the blocked thread, joins it and frees the port', async () => {
    const { server, port } = threaded();
    await server.close();
    const again = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      again.once('error', reject);
      again.bind(port, LOOPBACK, resolve);
    });
    await new Promise<void>((resolve) => again.close(() => resolve()));
  });
});

/** The GetHostResponse the agent sends: retcode SUCC (0, left out), host {ip, port} with small positive values. */
function getHostReply(seq: number, modid: number, cmdid: number, ip: string, port: number): string {
  const host = Buffer.from([0x08, ...varint(ipv4ToU32(ip)), 0x10, ...varint(port)]);
  const body = Buffer.from([0x08, seq, 0x10, modid, 0x18, cmdid, 0x2a, host.length, ...host]);
  const header = Buffer.alloc(8);
  header.writeInt32LE(5, 0);
  header.writeInt32LE(body.length, 4);
  return Buffer.concat([header, body]).toString('hex');
}

function varint(n: number): number[] {
  const out: number[] = [];
  let v = n >>> 0;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
  return out;
}
