// What `run_lars.sh status` makes of a stats port's answers (daemon-probe.ts),
// against loopback HTTP servers that answer as a daemon would, or not at all.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { failingReason, probeDaemon, probeHost } from '../daemon-probe.js';
import { freePort } from '../../test-support/ports.js';

const servers: Server[] = [];

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<number> {
  const server = createServer(handler);
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    server.close();
    await once(server, 'close');
  }
});

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

const report = (failing: Record<string, string>) => ({
  ok: Object.keys(failing).length === 0,
  failing: Object.keys(failing),
  checks: {
    main: { ok: true, detail: 'answering' },
    ...Object.fromEntries(Object.entries(failing).map(([k, detail]) => [k, { ok: false, detail }])),
  },
});

describe('probeDaemon', () => {
  it('live and ready: /healthz and /readyz 200', async () => {
    const port = await serve((_req, res) => json(res, 200, report({})));
    expect(await probeDaemon('127.0.0.1', port, 2000)).toEqual({ state: 'live', ready: true });
  });

  it('live, not ready: the failing checks of /readyz with their detail', async () => {
    const port = await serve((req, res) =>
      req.url === '/readyz'
        ? json(res, 503, report({ table: 'no route table loaded yet' }))
        : json(res, 200, report({})),
    );
    expect(await probeDaemon('127.0.0.1', port, 2000)).toEqual({
      state: 'live',
      ready: false,
      reason: 'table: no route table loaded yet',
    });
  });

  it('not alive: /healthz 503 names what stopped', async () => {
    const port = await serve((_req, res) =>
      json(res, 503, report({ 'worker-1': 'no heartbeat for 12000 ms', 'worker-2': 'no heartbeat for 9000 ms' })),
    );
    expect(await probeDaemon('127.0.0.1', port, 2000)).toEqual({
      state: 'not-live',
      reason: 'worker-1: no heartbeat for 12000 ms; worker-2: no heartbeat for 9000 ms',
    });
  });

  it('an older daemon (404 on /healthz) answers without a health endpoint', async () => {
    const port = await serve((_req, res) => res.writeHead(404).end('try GET /metrics or GET /stats\n'));
    expect(await probeDaemon('127.0.0.1', port, 2000)).toEqual({ state: 'no-health' });
  });

  it('not answering: the connection is taken but no answer comes within the timeout', async () => {
    const port = await serve(() => undefined);
    expect(await probeDaemon('127.0.0.1', port, 50)).toEqual({
      state: 'not-answering',
      why: 'no answer to /healthz within 50 ms (stopped or hung?)',
    });
  });

  it('not answering: nothing listens on the port', async () => {
    const port = await freePort();
    expect(await probeDaemon('127.0.0.1', port, 2000)).toEqual({
      state: 'not-answering',
      why: `nothing listens on 127.0.0.1:${port} (still starting, or the pid is another process's?)`,
    });
  });
});

describe('failingReason', () => {
  it('shows a body that is not a health report as it is, with the status', () => {
    expect(failingReason({ status: 500, body: '/healthz failed: boom\n' })).toBe('HTTP 500: /healthz failed: boom');
    expect(failingReason({ status: 503, body: { down: true } })).toBe('HTTP 503: {"down":true}');
    expect(failingReason({ status: 503, body: '' })).toBe('HTTP 503');
    expect(failingReason({ status: 503, body: 'x'.repeat(1000) })).toHaveLength(300);
  });
});

describe('probeHost', () => {
  it('reaches a wildcard bind on loopback and any other address as it is', () => {
    expect(probeHost('0.0.0.0')).toBe('127.0.0.1');
    expect(probeHost('::')).toBe('::1');
    expect(probeHost('10.0.0.7')).toBe('10.0.0.7');
  });
});
