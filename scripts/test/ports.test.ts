import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort, freePortRange, isPortFree } from '../../test-support/ports.js';

function holdTcp(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

function holdUdp(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.once('error', reject);
    socket.bind(port, '127.0.0.1', () => resolve(socket));
  });
}

describe('freePort', () => {
  it('returns a port that is free on TCP and UDP', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
    expect(port).toBeLessThanOrEqual(65_535);
    expect(await isPortFree(port)).toBe(true);
  });
});

describe('isPortFree', () => {
  it('sees a port held on TCP only', async () => {
    const port = await freePort();
    const server = await holdTcp(port);
    try {
      expect(await isPortFree(port)).toBe(false);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    expect(await isPortFree(port)).toBe(true);
  });

  it('sees a port held on UDP only', async () => {
    const port = await freePort();
    const socket = await holdUdp(port);
    try {
      expect(await isPortFree(port)).toBe(false);
    } finally {
      await new Promise<void>((resolve) => socket.close(() => resolve()));
    }
  });
});

describe('freePortRange', () => {
  it('returns a base with base..base+2 free by default', async () => {
    const base = await freePortRange();
    for (const port of [base, base + 1, base + 2]) {
      expect(await isPortFree(port)).toBe(true);
    }
    expect(base + 2).toBeLessThanOrEqual(65_535);
  });

  it('honours a larger count, and every port in the range can be bound', async () => {
    const base = await freePortRange(5);
    const sockets = await Promise.all([0, 1, 2, 3, 4].map((i) => holdUdp(base + i)));
    expect(sockets.map((s) => s.address().port)).toEqual([base, base + 1, base + 2, base + 3, base + 4]);
    await Promise.all(sockets.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  });

  it('rejects a bad count with LARS_BAD_OPTION', async () => {
    await expect(freePortRange(0)).rejects.toMatchObject({ code: 'LARS_BAD_OPTION' });
    await expect(freePortRange(1.5)).rejects.toMatchObject({ code: 'LARS_BAD_OPTION' });
  });
});
