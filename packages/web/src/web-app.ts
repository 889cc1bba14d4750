import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyFormbody from '@fastify/formbody';
import fastifyStatic from '@fastify/static';
import fastifyView from '@fastify/view';
import type { Logger } from '@lars/reactor';
import { Eta } from 'eta';
import helmet from 'helmet';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import type { Pool } from 'mysql2/promise';
import { registerAccountRoutes } from './account-routes.js';
import { type AlertPagesDeps, registerAlertPages } from './alerts-pages.js';
import { registerCallStatusPages } from './call-status-pages.js';
import type { DaemonAddresses } from './daemon-stats-client.js';
import { type AuthDeps, csrfMessage, registerAuth } from './auth.js';
import { type LoginDeps, registerLogin } from './login-routes.js';
import './request-context.js';
import type { AgentRouteView } from './agent-route-view.js';
import { refuseNonFiniteNumbers } from './finite-numbers.js';
import { registerHistoryPages } from './history-pages.js';
import { registerRouteEditPages } from './route-edit-pages.js';
import { registerRoutePage } from './route-page.js';
import { registerRoutePages } from './routes-pages.js';
import { registerServicePages } from './services-pages.js';
import { registerSystemPages } from './system-pages.js';
import { registerTokenPages } from './token-pages.js';
import { sendError, validationMessage } from './web-errors.js';

/** views/ and public/ sit beside src/ and dist/ in the package, so one relative path serves both. */
const VIEWS_DIR = fileURLToPath(new URL('../views/', import.meta.url));
const PUBLIC_DIR = fileURLToPath(new URL('../public/', import.meta.url));
const HTMX_DIR = dirname(createRequire(import.meta.url).resolve('htmx.org/dist/htmx.min.js'));
const UPLOT_DIR = dirname(createRequire(import.meta.url).resolve('uplot/dist/uPlot.iife.min.js'));
const UPLOT_FILES = new Set(['/uPlot.iife.min.js', '/uPlot.min.css']);

const CSRF_ERRORS = new Set(['FST_CSRF_INVALID_TOKEN', 'FST_CSRF_MISSING_SECRET']);

export interface AppDeps extends LoginDeps {
  pool: Pool;
  logger: Logger;
  /** What `[web] agent` holds for a route (the route pages). */
  agentView: AgentRouteView;
  /** `[web] trust_proxy` (empty: req.ip is the TCP peer). */
  trustProxy: readonly string[];
  /** `[web] dns_stats`, `reporter_stats`, `agent_stats`: what the system pages read. */
  daemons: DaemonAddresses;
  /** What the call status pages need: `[web] rollup_interval` (seconds) and the clock (unix ms). */
  callStatus: { rollupIntervalS: number; now: () => number };
  /** The alert monitor's set and the thresholds in force, for /alerts. */
  alerts: { source: AlertPagesDeps['alerts']; rules: AlertPagesDeps['rules'] };
}

/**
 * The console as a fastify instance (not listening: WebServer listens, tests
 * use inject). Security headers by helmet: a CSP with no inline script or
 * style, frame-ancestors 'none'; assets (htmx included) served from this
 * process, never a CDN.
 */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    // The daemon's pino child; fastify's type names its own pino copy, the same API.
    loggerInstance: deps.logger as unknown as FastifyBaseLogger,
    // Requests are counted, not logged one by one; what goes wrong is logged where it happens.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024 * 1024,
    trustProxy: deps.trustProxy.length === 0 ? false : [...deps.trustProxy],
    // An unknown query or body field is an error, not silently dropped.
    ajv: { customOptions: { removeAdditional: false } },
  });

  // helmet itself on the raw response, as @fastify/helmet does: that plugin require()s helmet,
  // which under an `import` export condition (the repository's vitest config) loads helmet's ESM
  // build and gets a namespace, not the function.
  const securityHeaders = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        objectSrc: ["'none'"],
      },
    },
    // HSTS only means something over TLS, where secure_cookies belongs too.
    strictTransportSecurity: deps.cookie.secure,
  });
  app.addHook('onRequest', (req, reply, done) =>
    securityHeaders(req.raw, reply.raw, (err?: unknown) => done(err as Error | undefined)),
  );
  await app.register(fastifyCookie);
  await app.register(fastifyFormbody);
  await app.register(fastifyCsrf, { sessionPlugin: '@fastify/session', logLevel: 'info' });
  await app.register(fastifyView, {
    engine: { eta: new Eta({ views: VIEWS_DIR, cache: true }) },
    templates: VIEWS_DIR,
    viewExt: 'eta',
  });
  app.addHook('onResponse', async (_req, reply) => {
    deps.counters.requests++;
    if (reply.statusCode >= 500) deps.counters.serverErrors++;
  });
  // Before every route: fastify gives a route the hooks added before it.
  registerAuth(app, deps satisfies AuthDeps);
  refuseNonFiniteNumbers(app);

  await app.register(fastifyStatic, { root: PUBLIC_DIR, prefix: '/assets/', index: false });
  await app.register(fastifyStatic, {
    root: HTMX_DIR,
    prefix: '/assets/htmx/',
    decorateReply: false,
    index: false,
    allowedPath: (path) => path === '/htmx.min.js',
  });
  await app.register(fastifyStatic, {
    root: UPLOT_DIR,
    prefix: '/assets/uplot/',
    decorateReply: false,
    index: false,
    allowedPath: (path) => UPLOT_FILES.has(path),
  });

  app.setErrorHandler(async (err: FastifyError, req, reply) => {
    if (err.validation !== undefined) return sendError(req, reply, 400, 'bad_request', validationMessage(err));
    if (err.code !== undefined && CSRF_ERRORS.has(err.code)) {
      deps.counters.csrfRefused++;
      return sendError(req, reply, 403, 'csrf', csrfMessage(req));
    }
    if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500)
      return sendError(req, reply, err.statusCode, 'bad_request', err.message);
    req.log.error({ err, url: req.url }, 'request failed');
    return sendError(req, reply, 500, 'internal', 'the console could not answer (see its log)');
  });
  app.setNotFoundHandler(async (req, reply) => sendError(req, reply, 404, 'not_found', `no page ${req.url}`));

  registerLogin(app, deps);
  registerRoutePages(app, deps.pool, deps.counters);
  registerRoutePage(app, deps.pool, deps.counters, deps.agentView);
  registerRouteEditPages(app, deps.pool, deps.counters, deps.agentView);
  registerHistoryPages(app, deps.pool, deps.counters);
  registerCallStatusPages(app, { pool: deps.pool, counters: deps.counters, ...deps.callStatus });
  registerAlertPages(app, { alerts: deps.alerts.source, rules: deps.alerts.rules, counters: deps.counters });
  registerServicePages(app, deps.pool, deps.counters);
  registerSystemPages(app, deps.daemons, deps.counters);
  registerAccountRoutes(app, deps.accounts, deps.counters);
  registerTokenPages(app, deps.accounts, deps.counters);
  app.get('/', async (_req, reply) => reply.redirect('/routes', 303));
  return app;
}
