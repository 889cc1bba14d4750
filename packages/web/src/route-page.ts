import type { FastifyInstance } from 'fastify';
import type { Pool } from 'mysql2/promise';
import type { AgentRouteView } from './agent-route-view.js';
import { requireRole } from './auth.js';
import { readRoute } from './route-read.js';
import { HOST_SCHEMA } from './routes-pages.js';
import { ROUTE_PARAMS, type RouteParams, routeJson } from './route-views.js';
import { roleAtLeast } from './roles.js';
import type { WebCounters } from './web-counters.js';
import { pageContext } from './web-errors.js';

const AGENT_JSON = {
  type: 'object',
  required: ['configured'],
  properties: {
    configured: { type: 'boolean' },
    agent: { type: 'string' },
    ok: { type: 'boolean' },
    hosts: { type: 'array', items: { type: 'string' } },
    error: { type: 'string' },
  },
} as const;

const ROUTE_API_SCHEMA = {
  params: ROUTE_PARAMS,
  response: {
    200: {
      type: 'object',
      required: ['modid', 'cmdid', 'version', 'fingerprint', 'hosts', 'agent'],
      properties: {
        modid: { type: 'integer' },
        cmdid: { type: 'integer' },
        version: { type: 'integer' },
        fingerprint: { type: 'string' },
        hosts: { type: 'array', items: HOST_SCHEMA },
        agent: AGENT_JSON,
      },
    },
  },
} as const;

/**
 * GET /routes/:modid/:cmdid (the route's hosts and, for editors, the forms
 * that preview a change), GET /routes/:modid/:cmdid/agent (the htmx-polled
 * panel of what `[web] agent` holds), GET /api/routes/:modid/:cmdid.
 * Viewer and up. A route without hosts still has a page: adding a host
 * there creates it.
 */
export function registerRoutePage(app: FastifyInstance, pool: Pool, counters: WebCounters, agent: AgentRouteView) {
  const viewer = requireRole('viewer', counters);

  app.get<{ Params: RouteParams }>(
    '/api/routes/:modid/:cmdid',
    { schema: ROUTE_API_SCHEMA, preHandler: viewer },
    async (req) => {
      const { modid, cmdid } = req.params;
      return { ...routeJson(await readRoute(pool, modid, cmdid)), agent: await agent.route(modid, cmdid) };
    },
  );

  app.get<{ Params: RouteParams }>(
    '/routes/:modid/:cmdid',
    { schema: { params: ROUTE_PARAMS }, preHandler: viewer },
    async (req, reply) => {
      const { modid, cmdid } = req.params;
      const route = routeJson(await readRoute(pool, modid, cmdid));
      const html = await reply.viewAsync('route', {
        title: `Route ${modid}/${cmdid}`,
        route,
        canEdit: roleAtLeast(req.user!.role, 'editor'),
        hostLines: route.hosts.map((h) => `${h.ip}:${h.port}`).join('\n'),
        ...(await pageContext(req, reply)),
      });
      return reply.type('text/html; charset=utf-8').send(html);
    },
  );

  app.get<{ Params: RouteParams }>(
    '/routes/:modid/:cmdid/agent',
    { schema: { params: ROUTE_PARAMS }, preHandler: viewer },
    async (req, reply) => {
      const { modid, cmdid } = req.params;
      const [state, held] = await Promise.all([readRoute(pool, modid, cmdid), agent.route(modid, cmdid)]);
      const serving = routeJson(state)
        .hosts.filter((h) => !h.disabled)
        .map((h) => `${h.ip}:${h.port}`)
        .sort();
      const inStep = held.configured && held.ok && held.hosts.join(',') === serving.join(',');
      const html = await reply.viewAsync('route-agent', { agent: held, serving, inStep });
      return reply.type('text/html; charset=utf-8').send(html);
    },
  );
}
