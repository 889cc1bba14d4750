import type { FastifyInstance } from 'fastify';
import { requireRole } from './auth.js';
import { type DaemonAddresses, DaemonStatsClient, type DaemonStatsClientOptions } from './daemon-stats-client.js';
import {
  AGENT_KEYS,
  agentView,
  DNS_KEYS,
  dnsView,
  RateMemory,
  REPORTER_DERIVED_KEYS,
  REPORTER_KEYS,
  reporterView,
  type SystemView,
} from './system-summary.js';
import type { WebCounters } from './web-counters.js';
import { pageContext } from './web-errors.js';

const NUM = { type: ['number', 'null'] } as const;
const BASE_PROPS = {
  host: { type: 'string' },
  port: { type: 'integer' },
  reachable: { type: 'boolean' },
  error: { type: ['string', 'null'] },
  ready: { type: ['boolean', 'null'] },
  checks: {
    type: 'array',
    items: {
      type: 'object',
      required: ['name', 'ok', 'detail'],
      properties: { name: { type: 'string' }, ok: { type: 'boolean' }, detail: { type: 'string' } },
    },
  },
} as const;

const daemonSchema = (fields: readonly string[]) => ({
  type: 'object',
  required: [...Object.keys(BASE_PROPS), ...fields],
  properties: { ...BASE_PROPS, ...Object.fromEntries(fields.map((f) => [f, NUM])) },
});

/** GET /api/system's answer: every configured daemon, in configuration order, as last read. */
const SYSTEM_SCHEMA = {
  type: 'object',
  required: ['readAt', 'dns', 'reporter', 'agent'],
  properties: {
    readAt: { type: 'integer' },
    dns: { type: 'array', items: daemonSchema(DNS_KEYS) },
    reporter: { type: 'array', items: daemonSchema([...REPORTER_KEYS, ...REPORTER_DERIVED_KEYS]) },
    agent: { type: 'array', items: daemonSchema(AGENT_KEYS) },
  },
} as const;

/** The panel's htmx poll: every 2 s while the page is open. */
export const SYSTEM_REFRESH = 'every 2s';

/**
 * GET /system (the page), GET /system/panel (its htmx-polled partial) and
 * GET /api/system: the DNS, reporter and agent stats endpoints of `[web]
 * dns_stats` etc., read on each request (all at once, each bounded by the
 * client's timeout). Viewer and up. The reporters' rows/s comes from this
 * console's previous reading (RateMemory, one per app).
 */
export function registerSystemPages(
  app: FastifyInstance,
  daemons: DaemonAddresses,
  counters: WebCounters,
  options: DaemonStatsClientOptions = {},
): void {
  const viewer = requireRole('viewer', counters);
  const client = new DaemonStatsClient(options);
  const rates = new RateMemory();
  const now = options.now ?? Date.now;

  const read = async (): Promise<SystemView> => {
    const [dns, reporter, agent] = await Promise.all([
      Promise.all(daemons.dns.map(async (a) => dnsView(a, await client.read(a)))),
      Promise.all(daemons.reporter.map(async (a) => reporterView(a, await client.read(a), rates))),
      Promise.all(daemons.agent.map(async (a) => agentView(a, await client.read(a)))),
    ]);
    return { readAt: now(), dns, reporter, agent };
  };

  app.get('/api/system', { preHandler: viewer, schema: { response: { 200: SYSTEM_SCHEMA } } }, read);

  app.get('/system', { preHandler: viewer }, async (req, reply) => {
    const data = { title: 'System', system: await read(), refresh: SYSTEM_REFRESH, ...(await pageContext(req, reply)) };
    return reply.type('text/html; charset=utf-8').send(await reply.viewAsync('system', data));
  });

  app.get('/system/panel', { preHandler: viewer }, async (_req, reply) => {
    return reply.type('text/html; charset=utf-8').send(await reply.viewAsync('system-panel', { system: await read() }));
  });
}
