import { changeRoutes, emptyHostChanges, mergeHostChanges, type RouteEdit } from '@lars/store';
import { ErrorCode, LarsError } from '@lars/wire';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Pool } from 'mysql2/promise';
import type { AgentRouteView } from './agent-route-view.js';
import { requireRole } from './auth.js';
import { type EditForm, editsFromForm, editsFromJson, editsToJson } from './route-edit-form.js';
import { hostsAfter, type RouteState, readRoute } from './route-read.js';
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

/** Refused by the precondition: the route is not the one the client saw. */
class StaleRoute extends Error {}

/**
 * changeRoutes for one request, as its user: a dry run or not, and (with a
 * fingerprint) refused under the RouteVersion lock when the route's rows are
 * not the ones the client saw: `null` then (the answer is a 409). Hosts are
 * dotted; `fingerprint` is of the rows the change started from, `after` the
 * route's hosts once it is (or would be) made.
 */
async function change(
  pool: Pool,
  req: FastifyRequest,
  counters: WebCounters,
  route: RouteParams,
  edits: RouteEdit[],
  o: { dryRun: boolean; fingerprint?: string },
) {
  const conn = await pool.getConnection();
  try {
    let before: RouteState | undefined;
    const result = await changeRoutes(conn, edits, actorOf(req), {
      dryRun: o.dryRun,
      precondition: async (c) => {
        before = await readRoute(c, route.modid, route.cmdid);
        if (o.fingerprint !== undefined && before.fingerprint !== o.fingerprint) throw new StaleRoute(STALE);
      },
    }).catch((err: unknown) => {
      if (err instanceof StaleRoute) return null;
      // changeRoutes checks every edit before it writes: what it refuses is the request's fault.
      if (err instanceof LarsError && err.code === ErrorCode.BAD_OPTION)
        throw Object.assign(new Error(err.message), { statusCode: 400 });
      throw err;
    });
    if (result === null || before === undefined) return null;
    if (result.changed && !o.dryRun) {
      counters.routeChanges++;
      req.log.info({ user: req.user!.name, address: req.ip, version: result.version }, 'route changed');
    }
    const changes = emptyHostChanges();
    for (const r of result.results) mergeHostChanges(changes, r.changes);
    return {
      version: result.version,
      changed: result.changed,
      ...diffJson(changes),
      fingerprint: before.fingerprint,
      after: routeJson({ ...before, hosts: hostsAfter(before.hosts, result.results) }).hosts,
    };
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
      const dry = await change(pool, req, counters, req.params, edits.value, { dryRun: true });
      if (dry === null) return sendError(req, reply, 409, 'stale', STALE);
      const html = await reply.viewAsync('route-confirm', {
        title: `Confirm: route ${modid}/${cmdid}`,
        route: { modid, cmdid, fingerprint: dry.fingerprint },
        diff: dry,
        noop: !dry.changed,
        after: dry.after,
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
      const result = await change(pool, req, counters, req.params, edits.value, {
        dryRun: false,
        fingerprint: req.body.fingerprint,
      });
      if (result === null) return sendError(req, reply, 409, 'stale', STALE);
      const html = await reply.viewAsync('route-applied', {
        title: `Route ${modid}/${cmdid} changed`,
        route: { modid, cmdid, hosts: result.after },
        result,
        agentConfigured: agent.configured,
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
      const { dryRun, fingerprint } = req.body;
      const result = await change(pool, req, counters, req.params, edits.value, { dryRun, fingerprint });
      if (result === null) return sendError(req, reply, 409, 'stale', STALE);
      const { after: _after, fingerprint: _fingerprint, ...answer } = result;
      return { dryRun, ...answer };
    },
  );
}
