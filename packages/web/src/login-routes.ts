import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PASSWORD_MAX } from './accounts.js';
import { type AuthDeps, cookieOptions, LOGIN_COOKIE, SESSION_COOKIE, startLoginForm } from './auth.js';
import type { LoginLimiter } from './login-limiter.js';

const LOGIN_BODY = {
  type: 'object',
  required: ['name', 'password'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 64 },
    password: { type: 'string', minLength: 1, maxLength: PASSWORD_MAX },
    next: { type: 'string', maxLength: 2000 },
    _csrf: { type: 'string' },
  },
} as const;

/** Where to go after login: a path of this console only (never `//elsewhere` or a full URL). */
function safeNext(next: string | undefined): string {
  return next !== undefined && /^\/(?![/\\])/.test(next) ? next : '/routes';
}

export interface LoginDeps extends AuthDeps {
  limiter: LoginLimiter;
  sessionTtlMs: number;
  loginWindowMs: number;
}

async function loginPage(
  req: FastifyRequest,
  reply: FastifyReply,
  deps: LoginDeps,
  status: number,
  fields: { message?: string; name?: string; next?: string },
): Promise<FastifyReply> {
  startLoginForm(req, reply, deps);
  const noUsers = (await deps.accounts.count()) === 0;
  const html = await reply.viewAsync('login', {
    title: 'Log in',
    user: null,
    csrf: reply.generateCsrf(),
    noUsers,
    message: fields.message ?? '',
    name: fields.name ?? '',
    next: safeNext(fields.next),
  });
  return reply.code(status).type('text/html; charset=utf-8').send(html);
}

/** GET /login, POST /login (rate-limited per user and per address), POST /logout. */
export function registerLogin(app: FastifyInstance, deps: LoginDeps): void {
  app.get<{ Querystring: { next?: string } }>(
    '/login',
    { schema: { querystring: { type: 'object', properties: { next: { type: 'string', maxLength: 2000 } } } } },
    async (req, reply) => {
      if (req.user !== null) return reply.redirect(safeNext(req.query.next), 303);
      return loginPage(req, reply, deps, 200, { next: req.query.next });
    },
  );

  app.post<{ Body: { name: string; password: string; next?: string } }>(
    '/login',
    { schema: { body: LOGIN_BODY } },
    async (req, reply) => {
      const { name, password, next } = req.body;
      const keys = [`user:${name}`, `addr:${req.ip}`];
      if (deps.limiter.limited(keys)) {
        deps.counters.loginsLimited++;
        req.log.warn({ user: name, address: req.ip }, 'login refused: too many failed attempts');
        const minutes = Math.ceil(deps.loginWindowMs / 60_000);
        return loginPage(req, reply, deps, 429, {
          message: `Too many failed logins for this user or from this address: try again within ${minutes} min.`,
          name,
          next,
        });
      }
      const user = await deps.accounts.authenticate(name, password);
      if (user === null) {
        deps.limiter.fail(keys);
        deps.counters.loginFailures++;
        req.log.info({ user: name, address: req.ip }, 'login failed');
        return loginPage(req, reply, deps, 401, { message: 'Wrong user name or password.', name, next });
      }
      deps.limiter.succeed(keys[0]);
      const session = await deps.sessions.create(user, req.ip);
      deps.counters.logins++;
      req.log.info({ user: user.name, role: user.role, address: req.ip }, 'login');
      reply.setCookie(SESSION_COOKIE, session.token, cookieOptions(deps, Math.ceil(deps.sessionTtlMs / 1000)));
      reply.clearCookie(LOGIN_COOKIE, { path: '/' });
      return reply.redirect(safeNext(next), 303);
    },
  );

  app.post('/logout', async (req, reply) => {
    if (req.sessionToken !== null) {
      await deps.sessions.destroy(req.sessionToken);
      req.log.info({ user: req.user?.name }, 'logout');
    }
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.redirect('/login', 303);
  });
}
