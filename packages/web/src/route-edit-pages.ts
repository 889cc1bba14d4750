import { changeRoutes, type RouteEdit } from '@lars/store';
import { ErrorCode, LarsError } from '@lars/wire';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Pool } from 'mysql2/promise';
import type { AgentRouteView } from './agent-route-view.js';
import { requireRole } from './auth.js';
import { type EditForm, editsFromForm, editsFromJson, editsToJson } from './route-edit-form.js';
import { isNoop, previewEdits } from './route-edit-preview.js';
import { readRoute } from './route-read.js';
import { diffJson, ROUTE_PARAMS, type RouteParams, routeJson } from './route-views.js';
import { AuthKind } from './request-context.js';
import type { WebCounters } from './web-counters.js';
import { pageContext, sendError } from './web-errors.js';

const TEXT = (max: number) => ({ type: 'string', maxLength: max }) as const;

const PREVIEW_BODY = {
  type: 'object',
  required: ['op'],
  properties: {
    op: TEXT(16),
    ip: TEXT(64),
    port: TEXT(16),
    old_ip: TEXT(64),
    old_port: TEXT(16),
    // A replace of MAX_REPLACE_HOSTS hosts of `255.255.255.255:65535`.
    hosts: TEXT(240_000),
    _csrf: { type: 'string' },
  },
} as const;

const APPLY_BODY = {
  type: 'object',
  required: ['edits', 'fingerprint'],
  properties: { edits: TEXT(1_000_000), fingerprint: TEXT(64), _csrf: { type: 'string' } },
} as const;

const CHANGES_BODY = {
  type: 'object',
  required: ['edits'],
  properties: {
    edits: { type: 'array', maxItems: 1000, items: { type: 'object' } },
    dryRun: { type: 'boolean', default: false },
    fingerprint: TEXT(64),
  },
} as const;

const STALE =
  'the route changed since this change was previewed (someone else changed it): review the change again on the route page';

/** Who a change is recorded as: the console user, from the browser or the API, and the client's address. */
function actorOf(req: FastifyRequest) {
  return { user: req.user!.name, source: `${req.authKind === AuthKind.TOKEN ? 'api' : 'web'} ${req.ip}` };
}

async function apply(pool: Pool, edits: RouteEdit[], req: FastifyRequest, counters: WebCounters) {
  const conn = await pool.getConnection();
  try {
    const result = await changeRoutes(conn, edits, actorOf(req)).catch((err: unknown) => {
      // changeRoutes checks every edit before it writes: what it refuses is the request's fault.
      if (err instanceof LarsError && err.code === ErrorCode.BAD_OPTION)
        throw Object.assign(new Error(err.message), { statusCode: 400 });
      throw err;
    });
    if (result.changed) {
      counters.routeChanges++;
      req.log.info({ user: req.user!.name, address: req.ip, version: result.version }, 'route changed');
    }
    const changes = { added: [], removed: [], disabled: [], enabled: [] } as Record<
      'added' | 'removed' | 'disabled' | 'enabled',
      { ip: number; port: number }[]
    >;
    for (const r of result.results)
      for (const k of Object.keys(changes) as (keyof typeof changes)[]) changes[k].push(...r.changes[k]);
    return { version: result.version, changed: result.changed, ...diffJson(changes) };
  } finally {
    conn.release();
  }
}

/**
 * Route changes, editor role and up: a form POSTs to .../preview, which
 * shows what would change (nothing written) with a Confirm button; that
 * POSTs the edits and the route's fingerprint to .../apply, which refuses
 * (409) when the route changed since the preview, and otherwise applies
 * them through changeRoutes (RouteData, RouteChange, RouteVersion and the
 * audit in one transaction, so the DNS pushes it). The API's
 * POST /api/routes/:modid/:cmdid/changes does the same in one step, for a
 * pipeline with a token (`dryRun` previews; `fingerprint` is optional).
 */
export function registerRouteEditPages(app: FastifyInstance, pool: Pool, counters: WebCounters, agent: AgentRouteView) {
  const editor = requireRole('editor', counters);

  const bad = (req: FastifyRequest, reply: FastifyReply, message: string) =>
    sendError(req, reply, 400, 'bad_request', message);

  app.post<{ Params: RouteParams; Body: EditForm }>(
    '/routes/:modid/:cmdid/preview',
    { schema: { params: ROUTE_PARAMS, body: PREVIEW_BODY }, preHandler: editor },
    async (req, reply) => {
      const { modid, cmdid } = req.params;
      const edits = editsFromForm(modid, cmdid, req.body);
      if (!edits.ok) return bad(req, reply, edits.message);
      const route = await readRoute(pool, modid, cmdid);
      const diff = previewEdits(route.hosts, edits.value);
      const html = await reply.viewAsync('route-confirm', {
        title: `Confirm: route ${modid}/${cmdid}`,
        route: routeJson(route),
        diff: diffJson(diff),
        noop: isNoop(diff),
        after: routeJson({ ...route, hosts: diff.after }).hosts,
        edits: JSON.stringify(editsToJson(edits.value)),
        ...(await pageContext(req, reply)),
      });
      return reply.type('text/html; charset=utf-8').send(html);
    },
  );

  app.post<{ Params: RouteParams; Body: { edits: string; fingerprint: string } }>(
    '/routes/:modid/:cmdid/apply',
    { schema: { params: ROUTE_PARAMS, body: APPLY_BODY }, preHandler: editor },
    async (req, reply) => {
      const { modid, cmdid } = req.params;
      let json: unknown;
      try {
        json = JSON.parse(req.body.edits);
      } catch (err) {
        return bad(req, reply, `edits: not JSON (${(err as Error).message})`);
      }
      const edits = editsFromJson(modid, cmdid, json);
      if (!edits.ok) return bad(req, reply, edits.message);
      if ((await readRoute(pool, modid, cmdid)).fingerprint !== req.body.fingerprint)
        return sendError(req, reply, 409, 'stale', STALE);
      const result = await apply(pool, edits.value, req, counters);
      const html = await reply.viewAsync('route-applied', {
        title: `Route ${modid}/${cmdid} changed`,
        route: routeJson(await readRoute(pool, modid, cmdid)),
        result,
        agentConfigured: (await agent.route(modid, cmdid)).configured,
        ...(await pageContext(req, reply)),
      });
      return reply.type('text/html; charset=utf-8').send(html);
    },
  );

  app.post<{ Params: RouteParams; Body: { edits: unknown[]; dryRun: boolean; fingerprint?: string } }>(
    '/api/routes/:modid/:cmdid/changes',
    { schema: { params: ROUTE_PARAMS, body: CHANGES_BODY }, preHandler: editor },
    async (req, reply) => {
      const { modid, cmdid } = req.params;
      const edits = editsFromJson(modid, cmdid, req.body.edits);
      if (!edits.ok) return bad(req, reply, edits.message);
      const route = await readRoute(pool, modid, cmdid);
      if (req.body.fingerprint !== undefined && req.body.fingerprint !== route.fingerprint)
        return sendError(req, reply, 409, 'stale', STALE);
      if (req.body.dryRun) {
        const diff = previewEdits(route.hosts, edits.value);
        return { dryRun: true, version: route.version, changed: !isNoop(diff), ...diffJson(diff) };
      }
      return { dryRun: false, ...(await apply(pool, edits.value, req, counters)) };
    },
  );
}
