import type { FastifyInstance } from 'fastify';
import type { Pool } from 'mysql2/promise';
import { requireRole } from './auth.js';
import { buildSeries } from './call-series.js';
import { listCalls, routeCalls, routeRollup } from './call-status-query.js';
import type { WebCounters } from './web-counters.js';
import { pageContext } from './web-errors.js';

const INT32 = { type: 'integer', minimum: 0, maximum: 0x7fffffff } as const;
/** ServerCallStatus rows one answer holds at most; the default is what the page shows. */
const MAX_LIMIT = 100_000;
const PAGE_LIMIT = 2_000;
/** The chart's window: a minute to a day. */
const MAX_MINUTES = 1440;

export interface CallPagesDeps {
  pool: Pool;
  counters: WebCounters;
  /** Seconds per CallStatusMinute bucket (`[web] rollup_interval`, the reporter's value). */
  rollupIntervalS: number;
  /** Unix ms. */
  now: () => number;
}

const ROUTE_PARAMS = {
  type: 'object',
  required: ['modid', 'cmdid'],
  properties: { modid: INT32, cmdid: INT32 },
} as const;

const CALLS_QUERY = {
  type: 'object',
  additionalProperties: false,
  properties: {
    modid: INT32,
    limit: { type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: PAGE_LIMIT },
    offset: { type: 'integer', minimum: 0, maximum: 0x7fffffff, default: 0 },
  },
} as const;

const SERIES_QUERY = {
  type: 'object',
  additionalProperties: false,
  properties: { minutes: { type: 'integer', minimum: 1, maximum: MAX_MINUTES, default: 60 } },
} as const;

type RouteParams = { Params: { modid: number; cmdid: number } };
type CallsQuery = { Querystring: { modid?: number; limit: number; offset: number } };

const html = 'text/html; charset=utf-8';

/**
 * GET /calls and /api/calls (every ServerCallStatus row, newest first),
 * GET /routes/:modid/:cmdid/calls and its /api twin (per host), and
 * GET /api/routes/:modid/:cmdid/series (the chart's data): viewer and up.
 */
export function registerCallStatusPages(app: FastifyInstance, deps: CallPagesDeps): void {
  const viewer = requireRole('viewer', deps.counters);
  const { pool } = deps;

  app.get<CallsQuery>('/api/calls', { schema: { querystring: CALLS_QUERY }, preHandler: viewer }, async (req) =>
    listCalls(pool, req.query),
  );

  app.get<CallsQuery>('/calls', { schema: { querystring: CALLS_QUERY }, preHandler: viewer }, async (req, reply) => {
    const list = await listCalls(pool, req.query);
    const data = {
      title: 'Call status',
      modid: req.query.modid,
      list,
      fmt: formatTs,
      ...(await pageContext(req, reply)),
    };
    return reply.type(html).send(await reply.viewAsync('calls', data));
  });

  app.get<RouteParams>(
    '/api/routes/:modid/:cmdid/calls',
    { schema: { params: ROUTE_PARAMS }, preHandler: viewer },
    async (req) => ({ ...req.params, hosts: await routeCalls(pool, req.params.modid, req.params.cmdid) }),
  );

  app.get<RouteParams & { Querystring: { minutes: number } }>(
    '/api/routes/:modid/:cmdid/series',
    { schema: { params: ROUTE_PARAMS, querystring: SERIES_QUERY }, preHandler: viewer },
    async (req) => {
      const { modid, cmdid } = req.params;
      const nowS = Math.floor(deps.now() / 1000);
      const windowS = req.query.minutes * 60;
      const rows = await routeRollup(pool, modid, cmdid, nowS - windowS - deps.rollupIntervalS);
      return { modid, cmdid, ...buildSeries(rows, nowS - windowS, nowS, deps.rollupIntervalS) };
    },
  );

  app.get<RouteParams>(
    '/routes/:modid/:cmdid/calls',
    { schema: { params: ROUTE_PARAMS }, preHandler: viewer },
    async (req, reply) => {
      const { modid, cmdid } = req.params;
      const route = { modid, cmdid, hosts: await routeCalls(pool, modid, cmdid) };
      const data = {
        title: `Calls of ${modid}/${cmdid}`,
        route,
        seriesUrl: `/api/routes/${modid}/${cmdid}/series?minutes=60`,
        fmt: formatTs,
        ...(await pageContext(req, reply)),
      };
      return reply.type(html).send(await reply.viewAsync('route-calls', data));
    },
  );
}

/** Unix seconds as `YYYY-MM-DD HH:MM:SS` UTC, for the tables. */
export function formatTs(ts: number): string {
  return ts === 0 ? 'never' : new Date(ts * 1000).toISOString().replace('T', ' ').slice(0, 19);
}
