import { readRouteAudit, type RouteAuditEntry } from '@lars/store';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Pool } from 'mysql2/promise';
import { requireRole } from './auth.js';
import { hostText, ROUTE_PARAMS } from './route-views.js';
import type { WebCounters } from './web-counters.js';
import { pageContext } from './web-errors.js';

const ID = { type: 'integer', minimum: 0, maximum: 0x7fffffff } as const;
const PAGE = 50;

const PAGING = {
  before: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER },
  limit: { type: 'integer', minimum: 1, maximum: 1000, default: PAGE },
} as const;

const HOSTS = { type: 'array', items: { type: 'string' } } as const;

const HISTORY_API_SCHEMA = {
  querystring: {
    type: 'object',
    additionalProperties: false,
    properties: { modid: ID, cmdid: ID, ...PAGING },
    // cmdid narrows a modid: alone it names no route.
    dependencies: { cmdid: ['modid'] },
  },
  response: {
    200: {
      type: 'object',
      required: ['entries'],
      properties: {
        entries: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              id: { type: 'integer' },
              at: { type: 'string' },
              actor: { type: 'string' },
              source: { type: 'string' },
              modid: { type: 'integer' },
              cmdid: { type: 'integer' },
              added: HOSTS,
              removed: HOSTS,
              disabled: HOSTS,
              enabled: HOSTS,
              version: { type: 'integer' },
            },
          },
        },
        before: { type: 'integer' },
      },
    },
  },
} as const;

interface HistoryQuery {
  modid?: number;
  cmdid?: number;
  before?: number;
  limit: number;
}

function entryJson(e: RouteAuditEntry) {
  return {
    id: e.id,
    at: new Date(e.at).toISOString(),
    actor: e.actor,
    source: e.source,
    modid: e.modid,
    cmdid: e.cmdid,
    added: e.added.map(hostText),
    removed: e.removed.map(hostText),
    disabled: e.disabled.map(hostText),
    enabled: e.enabled.map(hostText),
    version: e.version,
  };
}

/** A page of RouteAudit, newest first; `before` for the next (older) page when this one is full. */
async function readHistory(pool: Pool, q: HistoryQuery) {
  const conn = await pool.getConnection();
  try {
    const entries = (await readRouteAudit(conn, q)).map(entryJson);
    const before = entries.length === q.limit ? entries[entries.length - 1].id : undefined;
    return before === undefined ? { entries } : { entries, before };
  } finally {
    conn.release();
  }
}

/**
 * The route history (RouteAudit, written by changeRoutes for the console
 * and the `route` tool alike): GET /history, GET /routes/:modid/:cmdid/history,
 * GET /api/history?modid&cmdid&before&limit. Viewer and up.
 */
export function registerHistoryPages(app: FastifyInstance, pool: Pool, counters: WebCounters): void {
  const viewer = requireRole('viewer', counters);

  app.get<{ Querystring: HistoryQuery }>(
    '/api/history',
    { schema: HISTORY_API_SCHEMA, preHandler: viewer },
    async (req) => readHistory(pool, req.query),
  );

  const page = async (req: FastifyRequest, reply: FastifyReply, q: HistoryQuery, base: string) => {
    const history = await readHistory(pool, q);
    const route = q.cmdid === undefined ? null : { modid: q.modid, cmdid: q.cmdid };
    const html = await reply.viewAsync('history', {
      title: route === null ? 'History' : `History of ${route.modid}/${route.cmdid}`,
      route,
      history,
      older: history.before === undefined ? null : `${base}?before=${history.before}`,
      ...(await pageContext(req, reply)),
    });
    return reply.type('text/html; charset=utf-8').send(html);
  };

  const pagingQuery = { type: 'object', additionalProperties: false, properties: { before: PAGING.before } } as const;

  app.get<{ Querystring: { before?: number } }>(
    '/history',
    { schema: { querystring: pagingQuery }, preHandler: viewer },
    async (req, reply) => page(req, reply, { before: req.query.before, limit: PAGE }, '/history'),
  );

  app.get<{ Params: { modid: number; cmdid: number }; Querystring: { before?: number } }>(
    '/routes/:modid/:cmdid/history',
    { schema: { params: ROUTE_PARAMS, querystring: pagingQuery }, preHandler: viewer },
    async (req, reply) => {
      const { modid, cmdid } = req.params;
      return page(
        req,
        reply,
        { modid, cmdid, before: req.query.before, limit: PAGE },
        `/routes/${modid}/${cmdid}/history`,
      );
    },
  );
}
