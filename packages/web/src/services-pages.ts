import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Pool } from 'mysql2/promise';
import { requireRole } from './auth.js';
import { roleAtLeast } from './roles.js';
import {
  checkDescription,
  deleteDescription,
  getService,
  listServices,
  saveDescription,
  type Description,
} from './service-store.js';
import type { WebCounters } from './web-counters.js';
import { pageContext, sendError } from './web-errors.js';

const INT32 = { type: 'integer', minimum: 0, maximum: 0x7fffffff } as const;
const TEXT = {
  name: { type: 'string', maxLength: 128 },
  owner: { type: 'string', maxLength: 128 },
  description: { type: 'string', maxLength: 1024 },
} as const;
const CSRF_FIELD = { _csrf: { type: 'string' } } as const;

const MODID_PARAMS = {
  type: 'object',
  required: ['modid'],
  properties: { modid: INT32 },
} as const;
const CMDID_PARAMS = {
  type: 'object',
  required: ['modid', 'cmdid'],
  properties: { modid: INT32, cmdid: INT32 },
} as const;
/** The API's body: exactly these fields (an unknown one is an error). */
const API_BODY = { type: 'object', additionalProperties: false, required: ['name'], properties: TEXT } as const;
/** A form's body: the same plus its CSRF token, and the key when the form adds one. */
const formBody = (key?: 'modid' | 'cmdid') => ({
  type: 'object',
  additionalProperties: false,
  required: key === undefined ? ['name'] : ['name', key],
  properties: { ...TEXT, ...CSRF_FIELD, ...(key === undefined ? {} : { [key]: INT32 }) },
});
const CSRF_BODY = { type: 'object', additionalProperties: false, properties: CSRF_FIELD } as const;

const DESCRIPTION_PROPS = {
  name: { type: 'string' },
  owner: { type: 'string' },
  description: { type: 'string' },
  described: { type: 'boolean' },
  duplicates: { type: 'integer' },
} as const;
const COMMAND_SCHEMA = {
  type: 'object',
  required: ['cmdid', 'name', 'owner', 'description', 'described', 'duplicates', 'hosts'],
  properties: { cmdid: { type: 'integer' }, ...DESCRIPTION_PROPS, hosts: { type: 'integer' } },
} as const;
const SERVICE_SCHEMA = {
  type: 'object',
  required: ['modid', 'name', 'owner', 'description', 'described', 'duplicates', 'routes', 'commands'],
  properties: {
    modid: { type: 'integer' },
    ...DESCRIPTION_PROPS,
    routes: { type: 'integer' },
    commands: { type: 'array', items: COMMAND_SCHEMA },
  },
} as const;
const DELETED_SCHEMA = { type: 'object', required: ['deleted'], properties: { deleted: { type: 'integer' } } } as const;

interface Key {
  modid: number;
  cmdid?: number;
}
type TextBody = { name: string; owner?: string; description?: string };

const keyName = (k: Key) => (k.cmdid === undefined ? `modid ${k.modid}` : `modid ${k.modid} cmdid ${k.cmdid}`);
const html = (reply: FastifyReply, body: string) => reply.type('text/html; charset=utf-8').send(body);

/**
 * The services pages and their API: descriptions (name, owner, description)
 * of modids and of (modid, cmdid) pairs in the original's ModIDConfig and
 * CmdIDConfig. Reading: viewer and up; changing: editor and up.
 */
export function registerServicePages(app: FastifyInstance, pool: Pool, counters: WebCounters): void {
  const viewer = requireRole('viewer', counters);
  const editor = requireRole('editor', counters);

  /** Checks and saves; logs who changed what. A refused text is a message, nothing written. */
  const save = async (req: FastifyRequest, key: Key, body: TextBody) => {
    const checked = checkDescription(body);
    if (!checked.ok) return checked;
    const outcome = await saveDescription(pool, key, checked.value);
    req.log.info(
      { user: req.user!.name, ...key, outcome, ...checked.value },
      `service description of ${keyName(key)} ${outcome}`,
    );
    return { ok: true as const, outcome };
  };
  const remove = async (req: FastifyRequest, key: Key) => {
    const deleted = await deleteDescription(pool, key);
    if (deleted > 0)
      req.log.info({ user: req.user!.name, ...key, rows: deleted }, `service description of ${keyName(key)} deleted`);
    return deleted;
  };
  const notDescribed = (req: FastifyRequest, reply: FastifyReply, key: Key) =>
    sendError(req, reply, 404, 'not_found', `${keyName(key)} has no description`);

  // The API.
  app.get(
    '/api/services',
    {
      preHandler: viewer,
      schema: {
        response: {
          200: {
            type: 'object',
            required: ['services'],
            properties: { services: { type: 'array', items: SERVICE_SCHEMA } },
          },
        },
      },
    },
    async () => ({ services: await listServices(pool) }),
  );

  app.get<{ Params: { modid: number } }>(
    '/api/services/:modid',
    { preHandler: viewer, schema: { params: MODID_PARAMS, response: { 200: SERVICE_SCHEMA } } },
    async (req, reply) => {
      const entry = await getService(pool, req.params.modid);
      if (entry === null)
        return sendError(req, reply, 404, 'not_found', `modid ${req.params.modid}: no description and no route`);
      return entry;
    },
  );

  const apiPut = (params: typeof MODID_PARAMS | typeof CMDID_PARAMS) =>
    ({
      preHandler: editor,
      schema: { params, body: API_BODY, response: { 200: SERVICE_SCHEMA, 201: SERVICE_SCHEMA } },
    }) as const;
  const putHandler = async (req: FastifyRequest<{ Params: Key; Body: TextBody }>, reply: FastifyReply) => {
    const saved = await save(req, req.params, req.body);
    if (!saved.ok) return sendError(req, reply, 400, 'bad_request', saved.message);
    reply.code(saved.outcome === 'created' ? 201 : 200);
    return getService(pool, req.params.modid);
  };
  app.put<{ Params: Key; Body: TextBody }>('/api/services/:modid', apiPut(MODID_PARAMS), putHandler);
  app.put<{ Params: Key; Body: TextBody }>('/api/services/:modid/:cmdid', apiPut(CMDID_PARAMS), putHandler);

  const apiDelete = (params: typeof MODID_PARAMS | typeof CMDID_PARAMS) =>
    ({ preHandler: editor, schema: { params, response: { 200: DELETED_SCHEMA } } }) as const;
  const deleteHandler = async (req: FastifyRequest<{ Params: Key }>, reply: FastifyReply) => {
    const deleted = await remove(req, req.params);
    if (deleted === 0) return notDescribed(req, reply, req.params);
    return { deleted };
  };
  app.delete<{ Params: Key }>('/api/services/:modid', apiDelete(MODID_PARAMS), deleteHandler);
  app.delete<{ Params: Key }>('/api/services/:modid/:cmdid', apiDelete(CMDID_PARAMS), deleteHandler);

  // The pages.
  const canEdit = (req: FastifyRequest) => req.user !== null && roleAtLeast(req.user.role, 'editor');

  app.get('/services', { preHandler: viewer }, async (req, reply) => {
    const services = await listServices(pool);
    return html(
      reply,
      await reply.viewAsync('services', {
        title: 'Services',
        described: services.filter((s) => s.described),
        undescribed: services.filter((s) => !s.described),
        canEdit: canEdit(req),
        ...(await pageContext(req, reply)),
      }),
    );
  });

  app.get<{ Params: { modid: number } }>(
    '/services/:modid',
    { preHandler: viewer, schema: { params: MODID_PARAMS } },
    async (req, reply) => {
      const service = await getService(pool, req.params.modid);
      if (service === null)
        return sendError(req, reply, 404, 'not_found', `modid ${req.params.modid}: no description and no route`);
      return html(
        reply,
        await reply.viewAsync('service', {
          title: `Service ${service.modid}`,
          service,
          canEdit: canEdit(req),
          ...(await pageContext(req, reply)),
        }),
      );
    },
  );

  /** A form's save: back to the modid's page, or the error page saying what was wrong. */
  const formSave = async (req: FastifyRequest, reply: FastifyReply, key: Key, body: TextBody) => {
    const saved = await save(req, key, body);
    if (!saved.ok) return sendError(req, reply, 400, 'bad_request', saved.message);
    return reply.redirect(`/services/${key.modid}`, 303);
  };

  app.post<{ Body: TextBody & { modid: number } }>(
    '/services',
    { preHandler: editor, schema: { body: formBody('modid') } },
    async (req, reply) => formSave(req, reply, { modid: req.body.modid }, req.body),
  );
  app.post<{ Params: { modid: number }; Body: TextBody }>(
    '/services/:modid',
    { preHandler: editor, schema: { params: MODID_PARAMS, body: formBody() } },
    async (req, reply) => formSave(req, reply, req.params, req.body),
  );
  app.post<{ Params: { modid: number }; Body: TextBody & { cmdid: number } }>(
    '/services/:modid/commands',
    { preHandler: editor, schema: { params: MODID_PARAMS, body: formBody('cmdid') } },
    async (req, reply) => formSave(req, reply, { modid: req.params.modid, cmdid: req.body.cmdid }, req.body),
  );
  app.post<{ Params: { modid: number; cmdid: number }; Body: TextBody }>(
    '/services/:modid/:cmdid',
    { preHandler: editor, schema: { params: CMDID_PARAMS, body: formBody() } },
    async (req, reply) => formSave(req, reply, req.params, req.body),
  );

  // Deleting: a confirm page (GET), then its form (POST).
  const confirmPage = async (req: FastifyRequest<{ Params: Key }>, reply: FastifyReply) => {
    const key = req.params;
    const service = await getService(pool, key.modid);
    const target: (Description & { duplicates: number; described: boolean }) | undefined =
      key.cmdid === undefined ? (service ?? undefined) : service?.commands.find((c) => c.cmdid === key.cmdid);
    if (target === undefined || !target.described) return notDescribed(req, reply, key);
    const action =
      key.cmdid === undefined ? `/services/${key.modid}/delete` : `/services/${key.modid}/${key.cmdid}/delete`;
    return html(
      reply,
      await reply.viewAsync('service-delete', {
        title: `Delete the description of ${keyName(key)}`,
        what: keyName(key),
        target,
        action,
        back: `/services/${key.modid}`,
        isModid: key.cmdid === undefined,
        ...(await pageContext(req, reply)),
      }),
    );
  };
  const formDelete = async (req: FastifyRequest<{ Params: Key }>, reply: FastifyReply) => {
    if ((await remove(req, req.params)) === 0) return notDescribed(req, reply, req.params);
    return reply.redirect(req.params.cmdid === undefined ? '/services' : `/services/${req.params.modid}`, 303);
  };
  app.get<{ Params: Key }>(
    '/services/:modid/delete',
    { preHandler: editor, schema: { params: MODID_PARAMS } },
    confirmPage,
  );
  app.get<{ Params: Key }>(
    '/services/:modid/:cmdid/delete',
    { preHandler: editor, schema: { params: CMDID_PARAMS } },
    confirmPage,
  );
  app.post<{ Params: Key }>(
    '/services/:modid/delete',
    { preHandler: editor, schema: { params: MODID_PARAMS, body: CSRF_BODY } },
    formDelete,
  );
  app.post<{ Params: Key }>(
    '/services/:modid/:cmdid/delete',
    { preHandler: editor, schema: { params: CMDID_PARAMS, body: CSRF_BODY } },
    formDelete,
  );
}
