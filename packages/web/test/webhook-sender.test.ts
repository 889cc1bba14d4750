import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type WebhookCounters, WebhookSender } from '../src/webhook-sender.js';

interface Received {
  body: unknown;
  contentType: string | undefined;
}

/** A local receiver answering `statuses` in turn (the last one from then on). */
async function receiver(statuses: number[]): Promise<{ url: string; got: Received[]; server: Server }> {
  const got: Received[] = [];
  let n = 0;
  const server = createServer((req: IncomingMessage, res) => {
    let data = '';
    req.on('data', (c) => {
      data += c;
    });
    req.on('end', () => {
      got.push({ body: JSON.parse(data), contentType: req.headers['content-type'] });
      res.statusCode = statuses[Math.min(n++, statuses.length - 1)];
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, got, server };
}

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((resolve) => s.close(resolve));
});

const counters = (): WebhookCounters => ({ webhookSent: 0, webhookFailed: 0, webhookRetried: 0 });

describe('WebhookSender', () => {
  it('POSTs the JSON body; a 2xx is sent', async () => {
    const r = await receiver([200]);
    servers.push(r.server);
    const c = counters();
    const sender = new WebhookSender(r.url, c, { sleep: async () => {} });
    expect(await sender.send({ event: 'raised', n: 1 })).toBe(true);
    expect(r.got).toEqual([{ body: { event: 'raised', n: 1 }, contentType: 'application/json' }]);
    expect(c).toEqual({ webhookSent: 1, webhookFailed: 0, webhookRetried: 0 });
    await sender.close();
  });

  it('a 500 then 200 is retried once after the backoff, and counted', async () => {
    const r = await receiver([500, 200]);
    servers.push(r.server);
    const c = counters();
    const waits: number[] = [];
    const sender = new WebhookSender(r.url, c, { backoffMs: 250, sleep: async (ms) => void waits.push(ms) });
    expect(await sender.send({ event: 'cleared' })).toBe(true);
    expect(r.got).toHaveLength(2);
    expect(waits).toEqual([250]);
    expect(c).toEqual({ webhookSent: 1, webhookFailed: 0, webhookRetried: 1 });
  });

  it('a dead URL fails after the retries, backoff doubling up to its cap', async () => {
    const r = await receiver([200]);
    const dead = r.url;
    await new Promise((resolve) => r.server.close(resolve));
    const c = counters();
    const waits: number[] = [];
    const sender = new WebhookSender(dead, c, {
      retries: 4,
      backoffMs: 100,
      maxBackoffMs: 300,
      sleep: async (ms) => void waits.push(ms),
    });
    expect(await sender.send({ event: 'raised' })).toBe(false);
    expect(waits).toEqual([100, 200, 300, 300]);
    expect(c).toEqual({ webhookSent: 0, webhookFailed: 1, webhookRetried: 4 });
  });

  it('close() waits for a delivery in flight and stops its retries', async () => {
    const r = await receiver([503]);
    servers.push(r.server);
    const c = counters();
    let release: () => void = () => {};
    const sender = new WebhookSender(r.url, c, {
      retries: 5,
      sleep: () =>
        new Promise<void>((resolve) => {
          release = resolve;
        }),
    });
    const p = sender.send({ event: 'raised' });
    await expect.poll(() => c.webhookRetried).toBe(1);
    const closing = sender.close();
    release();
    await closing;
    expect(await p).toBe(false);
    expect(r.got).toHaveLength(2);
    expect(c).toEqual({ webhookSent: 0, webhookFailed: 1, webhookRetried: 1 });
  });
});
