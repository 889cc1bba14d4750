import type { FastifyInstance } from 'fastify';
import type { Alert } from './alert-rules.js';
import { requireRole } from './auth.js';
import type { WebCounters } from './web-counters.js';
import { pageContext } from './web-errors.js';

/** What the pages read: the monitor's current set (AlertMonitor), null before its first evaluation. */
export interface AlertSource {
  current(): readonly Alert[] | null;
}

export interface AlertPagesDeps {
  alerts: AlertSource;
  counters: WebCounters;
  /** The thresholds in force, shown on the page and in the API answer. */
  rules: { errorRate: number; minCalls: number; windowS: number; intervalS: number };
}

const ALERT_SCHEMA = {
  type: 'object',
  required: ['modid', 'cmdid', 'ip', 'port', 'reason', 'errorRate', 'calls', 'callers', 'since'],
  properties: {
    modid: { type: 'integer' },
    cmdid: { type: 'integer' },
    ip: { type: 'string' },
    port: { type: 'integer' },
    reason: { type: 'string' },
    errorRate: { type: 'number' },
    calls: { type: 'integer' },
    callers: { type: 'array', items: { type: 'string' } },
    since: { type: 'integer' },
  },
} as const;

const ALERTS_API_SCHEMA = {
  querystring: { type: 'object', additionalProperties: false, properties: {} },
  response: {
    200: {
      type: 'object',
      required: ['evaluated', 'alerts', 'rules'],
      properties: {
        evaluated: { type: 'boolean' },
        alerts: { type: 'array', items: ALERT_SCHEMA },
        rules: {
          type: 'object',
          properties: {
            errorRate: { type: 'number' },
            minCalls: { type: 'integer' },
            windowS: { type: 'integer' },
            intervalS: { type: 'integer' },
          },
        },
      },
    },
  },
} as const;

const html = 'text/html; charset=utf-8';

/** Unix seconds as `YYYY-MM-DD HH:MM:SS` UTC. */
const utc = (s: number): string => new Date(s * 1000).toISOString().replace('T', ' ').slice(0, 19);
const percent = (r: number): string => `${(r * 100).toFixed(1)} %`;

/**
 * GET /alerts (the page), GET /api/alerts (its twin) and GET /alerts/badge
 * (the header's htmx-polled "Alerts (N)"): viewer and up. They read the
 * monitor's set; nothing here queries MySQL, so the badge's poll is cheap.
 */
export function registerAlertPages(app: FastifyInstance, deps: AlertPagesDeps): void {
  const viewer = requireRole('viewer', deps.counters);
  const snapshot = () => {
    const current = deps.alerts.current();
    return { evaluated: current !== null, alerts: [...(current ?? [])], rules: deps.rules };
  };

  app.get('/api/alerts', { schema: ALERTS_API_SCHEMA, preHandler: viewer }, async () => snapshot());

  app.get(
    '/alerts',
    { schema: { querystring: ALERTS_API_SCHEMA.querystring }, preHandler: viewer },
    async (req, reply) => {
      const data = { title: 'Alerts', ...snapshot(), utc, percent, ...(await pageContext(req, reply)) };
      return reply.type(html).send(await reply.viewAsync('alerts', data));
    },
  );

  app.get('/alerts/badge', { preHandler: viewer }, async (_req, reply) => {
    const { alerts } = snapshot();
    return reply.type(html).send(await reply.viewAsync('alert-badge', { count: alerts.length }));
  });
}
