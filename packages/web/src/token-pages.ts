import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Accounts } from './accounts.js';
import { requireRole } from './auth.js';
import type { WebCounters } from './web-counters.js';
import { pageContext, sendError } from './web-errors.js';

const NAME = { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9 ._-]*$' } as const;

/**
 * GET /tokens: the user's API tokens; POST /tokens creates one and shows it
 * once (only its hash is kept); POST /tokens/:id/delete. Any role: a token
 * acts with its owner's role.
 */
export function registerTokenPages(app: FastifyInstance, accounts: Accounts, counters: WebCounters): void {
  const viewer = requireRole('viewer', counters);

  const render = async (req: FastifyRequest, reply: FastifyReply, created: { name: string; token: string } | null) => {
    const tokens = await accounts.listTokens(req.user!);
    const html = await reply.viewAsync('tokens', {
      title: 'API tokens',
      tokens,
      created,
      ...(await pageContext(req, reply)),
    });
    return reply.type('text/html; charset=utf-8').send(html);
  };

  app.get('/tokens', { preHandler: viewer }, async (req, reply) => render(req, reply, null));

  app.post<{ Body: { name: string } }>(
    '/tokens',
    {
      preHandler: viewer,
      schema: { body: { type: 'object', required: ['name'], properties: { name: NAME, _csrf: { type: 'string' } } } },
    },
    async (req, reply) => {
      const made = await accounts.createToken(req.user!, req.body.name);
      if (!made.ok) return sendError(req, reply, 409, 'exists', `you have a token named "${req.body.name}" already`);
      req.log.info({ user: req.user!.name, token: req.body.name }, 'API token created');
      return render(req, reply.code(201), { name: req.body.name, token: made.token });
    },
  );

  app.post<{ Params: { id: number } }>(
    '/tokens/:id/delete',
    {
      preHandler: viewer,
      schema: { params: { type: 'object', properties: { id: { type: 'integer', minimum: 1, maximum: 0xffffffff } } } },
    },
    async (req, reply) => {
      if (!(await accounts.deleteToken(req.user!, req.params.id)))
        return sendError(req, reply, 404, 'not_found', `you have no API token ${req.params.id}`);
      req.log.info({ user: req.user!.name, token: req.params.id }, 'API token deleted');
      return reply.redirect('/tokens', 303);
    },
  );
}
