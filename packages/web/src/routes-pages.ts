import type { FastifyInstance } from 'fastify';
import type { Pool } from 'mysql2/promise';
import { requireRole } from './auth.js';
import { listRoutes, parseSearch, type RouteFilter } from './route-query.js';
import type { WebCounters } from './web-counters.js';
import { pageContext, sendError } from './web-errors.js';

const INT32 = { type: 'integer', minimum: 0, maximum: 0x7fffffff } as const;
/** Host rows one answer holds at most; the default is what a page shows. */
const MAX_LIMIT = 100_000;
const PAGE_LIMIT = 5_000;

/** A route's host in the JSON answers (the routes list and the route page). */
export const HOST_SCHEMA = {
  type: 'object',
  required: ['ip', 'port', 'disabled'],
  properties: { ip: { type: 'string' }, port: { type: 'integer' }, disabled: { type: 'boolean' } },
} as const;

const ROUTES_API_SCHEMA = {
  querystring: {
    type: 'object',
    additionalProperties: false,
    properties: {
      modid: INT32,
      cmdid: INT32,
      ip: { type: 'string', format: 'ipv4' },
      limit: { type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: PAGE_LIMIT },
    },
  },
  response: {
    200: {
      type: 'object',
      required: ['routes', 'hostCount', 'truncated'],
      properties: {
        routes: {
          type: 'array',
          items: {
            type: 'object',
            required: ['modid', 'cmdid', 'hosts'],
            properties: {
              modid: { type: 'integer' },
              cmdid: { type: 'integer' },
              hosts: { type: 'array', items: HOST_SCHEMA },
            },
          },
        },
        hostCount: { type: 'integer' },
        truncated: { type: 'boolean' },
      },
    },
  },
} as const;

const SEARCH_HELP = 'search by modid (12), modid and cmdid (12 3 or 12/3), or a host address (10.0.0.7)';

/** GET /routes (the page; with HX-Request just the table) and GET /api/routes: viewer and up. */
export function registerRoutePages(app: FastifyInstance, pool: Pool, counters: WebCounters): void {
  const viewer = requireRole('viewer', counters);

  app.get<{ Querystring: { modid?: number; cmdid?: number; ip?: string; limit: number } }>(
    '/api/routes',
    { schema: ROUTES_API_SCHEMA, preHandler: viewer },
    async (req) => listRoutes(pool, req.query),
  );

  app.get<{ Querystring: { q?: string } }>(
    '/routes',
    {
      schema: { querystring: { type: 'object', properties: { q: { type: 'string', maxLength: 100 } } } },
      preHandler: viewer,
    },
    async (req, reply) => {
      const q = req.query.q ?? '';
      const filter = parseSearch(q);
      if (filter === null) return sendError(req, reply, 400, 'bad_search', `"${q}": ${SEARCH_HELP}`);
      const list = await listRoutes(pool, { ...filter, limit: PAGE_LIMIT } satisfies RouteFilter);
      const data = { title: 'Routes', q, list, searchHelp: SEARCH_HELP, ...(await pageContext(req, reply)) };
      // htmx's search asks for the table alone.
      const page = req.headers['hx-request'] === 'true' ? 'routes-table' : 'routes';
      return reply.type('text/html; charset=utf-8').send(await reply.viewAsync(page, data));
    },
  );
}
