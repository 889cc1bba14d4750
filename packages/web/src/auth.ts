import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { Accounts } from './accounts.js';
import { AuthKind } from './request-context.js';
import { type Role, roleAtLeast } from './roles.js';
import type { SessionStore } from './sessions.js';
import type { WebCounters } from './web-counters.js';
import { isApi, sendError } from './web-errors.js';

export const SESSION_COOKIE = 'lars_session';
/** Before login: the CSRF secret of the login form (login CSRF: a page elsewhere must not log you in as someone else). */
export const LOGIN_COOKIE = 'lars_login';

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export interface AuthDeps {
  accounts: Accounts;
  sessions: SessionStore;
  counters: WebCounters;
  cookie: { secure: boolean; maxAgeS: number };
}

/** Cookie attributes of both cookies: HttpOnly, SameSite=Strict, Secure per `[web] secure_cookies`. */
export function cookieOptions(deps: AuthDeps, maxAgeS: number) {
  return { path: '/', httpOnly: true, sameSite: 'strict' as const, secure: deps.cookie.secure, maxAge: maxAgeS };
}

/**
 * Who the request is: an `Authorization: Bearer` API token (no cookie
 * looked at), else the session cookie, else nobody (with the login cookie's
 * CSRF secret when there is one). Then, for a state-changing request not
 * made with a token, the CSRF check.
 */
export function registerAuth(app: FastifyInstance, deps: AuthDeps): void {
  app.decorateRequest('user', null);
  app.decorateRequest('authKind', AuthKind.NONE);
  app.decorateRequest('sessionToken', null);
  app.decorateRequest('session', null);

  app.addHook('onRequest', async (req, reply) => {
    const auth = req.headers.authorization;
    if (auth !== undefined) {
      const m = /^Bearer (\S+)$/.exec(auth);
      const user = m === null ? null : await deps.accounts.userForToken(m[1]);
      if (user === null) {
        deps.counters.authRefused++;
        return sendError(req, reply, 401, 'bad_token', 'the API token is not valid (Authorization: Bearer lars_...)');
      }
      req.user = user;
      req.authKind = AuthKind.TOKEN;
      deps.counters.tokenRequests++;
      return;
    }
    const token = req.cookies[SESSION_COOKIE];
    if (token !== undefined) {
      const s = await deps.sessions.lookup(token);
      if (s !== null) {
        req.user = s.user;
        req.authKind = AuthKind.SESSION;
        req.sessionToken = token;
        req.session = { _csrf: s.csrfSecret };
        return;
      }
    }
    const login = req.cookies[LOGIN_COOKIE];
    if (login !== undefined && /^[A-Za-z0-9_-]{24}$/.test(login)) req.session = { _csrf: login };
  });

  app.addHook('preValidation', (req, reply, done) => {
    if (!STATE_CHANGING.has(req.method) || req.authKind === AuthKind.TOKEN) return done();
    if (req.session?._csrf === undefined) {
      deps.counters.csrfRefused++;
      void sendError(req, reply, 403, 'csrf', csrfMessage(req));
      return;
    }
    app.csrfProtection(req, reply, done);
  });
}

export function csrfMessage(req: FastifyRequest): string {
  return isApi(req)
    ? 'a state-changing request needs an API token (Authorization: Bearer) or a session with its CSRF token (x-csrf-token)'
    : 'the form was stale or not sent by this console (CSRF token missing or wrong): reload the page and try again';
}

/** A fresh login-form secret, set as the login cookie; the form's token is made from it. */
export function startLoginForm(req: FastifyRequest, reply: FastifyReply, deps: AuthDeps): void {
  if (req.session?._csrf !== undefined) return;
  const secret = randomBytes(18).toString('base64url');
  reply.setCookie(LOGIN_COOKIE, secret, cookieOptions(deps, 3600));
  req.session = { _csrf: secret };
}

/**
 * A route's guard: nobody -> 401 (pages: to the login page), a lower role
 * -> 403. An API token acts with its owner's role.
 */
export function requireRole(role: Role, counters: WebCounters): preHandlerAsyncHookHandler {
  return async (req, reply) => {
    if (req.user === null) {
      counters.authRefused++;
      if (isApi(req))
        return sendError(req, reply, 401, 'unauthenticated', 'log in, or send Authorization: Bearer <API token>');
      // An htmx poll or partial (a session that expired under an open page) must not swap the
      // login page into a panel: HX-Redirect takes the whole page there, back to where it was.
      if (req.headers['hx-request'] === 'true') {
        const current = new URL(String(req.headers['hx-current-url'] ?? '/'), 'http://console');
        const page = current.pathname + current.search;
        return reply
          .code(401)
          .header('HX-Redirect', `/login?next=${encodeURIComponent(page)}`)
          .send('');
      }
      return reply.redirect(`/login?next=${encodeURIComponent(req.url)}`, 303);
    }
    if (!roleAtLeast(req.user.role, role)) {
      counters.authRefused++;
      return sendError(
        req,
        reply,
        403,
        'forbidden',
        `this needs the ${role} role; ${req.user.name} is ${req.user.role}`,
      );
    }
  };
}
