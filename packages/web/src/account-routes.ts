import type { FastifyInstance } from 'fastify';
import type { Accounts } from './accounts.js';
import { requireRole } from './auth.js';
import type { WebCounters } from './web-counters.js';
import { sendError } from './web-errors.js';

const TOKEN_NAME_SCHEMA = {
  type: 'string',
  minLength: 1,
  maxLength: 64,
  pattern: '^[A-Za-z0-9][A-Za-z0-9 ._-]*$',
} as const;

/**
 * The caller's own account and API tokens (any role), and the user list
 * (admin). A token is shown once, in the answer that creates it.
 */
export function registerAccountRoutes(app: FastifyInstance, accounts: Accounts, counters: WebCounters): void {
  const viewer = requireRole('viewer', counters);
  const admin = requireRole('admin', counters);

  app.get('/api/me', { preHandler: viewer }, async (req) => ({ name: req.user!.name, role: req.user!.role }));

  app.get('/api/users', { preHandler: admin }, async () => ({
    users: (await accounts.list()).map((u) => ({ name: u.name, role: u.role })),
  }));

  app.get('/api/tokens', { preHandler: viewer }, async (req) => ({ tokens: await accounts.listTokens(req.user!) }));

  app.post<{ Body: { name: string } }>(
    '/api/tokens',
    {
      preHandler: viewer,
      schema: {
        body: {
          type: 'object',
          required: ['name'],
          additionalProperties: false,
          properties: { name: TOKEN_NAME_SCHEMA, _csrf: { type: 'string' } },
        },
      },
    },
    async (req, reply) => {
      const created = await accounts.createToken(req.user!, req.body.name);
      if (!created.ok) return sendError(req, reply, 409, 'exists', `you have a token named "${req.body.name}" already`);
      req.log.info({ user: req.user!.name, token: req.body.name }, 'API token created');
      return reply.code(201).send({ id: created.id, name: req.body.name, token: created.token });
    },
  );

  app.delete<{ Params: { id: number } }>(
    '/api/tokens/:id',
    {
      preHandler: viewer,
      schema: { params: { type: 'object', properties: { id: { type: 'integer', minimum: 1, maximum: 0xffffffff } } } },
    },
    async (req, reply) => {
      if (!(await accounts.deleteToken(req.user!, req.params.id)))
        return sendError(req, reply, 404, 'not_found', `you have no API token ${req.params.id}`);
      req.log.info({ user: req.user!.name, token: req.params.id }, 'API token deleted');
      return reply.code(204).send();
    },
  );
}
