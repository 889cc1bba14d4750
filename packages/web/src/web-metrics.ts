import { defineMetrics } from '@lars/reactor';

/**
 * The console's metrics, written once: `/stats` keys, `/metrics` names under
 * `lars_web_`, and the README table (`pnpm docs:metrics`, once the README
 * has its markers).
 */
export const WEB_METRICS = defineMetrics({
  requests: { name: 'requests_total', type: 'counter', help: 'HTTP requests answered (every status).' },
  serverErrors: {
    name: 'server_errors_total',
    type: 'counter',
    help: 'Requests answered 500 (MySQL down, a bug); each is logged.',
  },
  logins: { name: 'logins_total', type: 'counter', help: 'Successful logins (a session created).' },
  loginFailures: {
    name: 'login_failures_total',
    type: 'counter',
    help: 'Logins refused for an unknown user or a wrong password.',
  },
  loginsLimited: {
    name: 'logins_limited_total',
    type: 'counter',
    help: 'Login attempts refused by [web] login_attempts per user or per address, before any password check.',
  },
  routeChanges: {
    name: 'route_changes_total',
    type: 'counter',
    help: 'Route changes applied through the console or its API (changeRoutes calls that changed a row).',
  },
  csrfRefused: {
    name: 'csrf_refused_total',
    type: 'counter',
    help: 'State-changing browser requests refused for a missing or wrong CSRF token.',
  },
  authRefused: {
    name: 'auth_refused_total',
    type: 'counter',
    help: 'Requests refused 401 (no session or token) or 403 (role too low).',
  },
  tokenRequests: {
    name: 'token_requests_total',
    type: 'counter',
    help: 'Requests authenticated by an API token (Authorization: Bearer).',
  },
  sessions: { name: 'sessions', type: 'gauge', help: 'Unexpired sessions in WebSession at the last sweep.' },
  mysqlUp: {
    name: 'mysql_up',
    type: 'gauge',
    help: 'Whether the last query reached MySQL (1), failed to (0), or none ran yet (-1).',
  },
  alertsActive: {
    name: 'alerts_active',
    type: 'gauge',
    help: 'Hosts alerted now: overloaded, or at [web] alert_error_rate over alert_window.',
  },
  webhookSent: {
    name: 'webhook_sent_total',
    type: 'counter',
    help: 'Alert events delivered to [web] alert_webhook (2xx).',
  },
  webhookFailed: {
    name: 'webhook_failed_total',
    type: 'counter',
    help: 'Alert events given up after [web] alert_webhook_retries; each is logged.',
  },
  webhookRetried: {
    name: 'webhook_retries_total',
    type: 'counter',
    help: 'Alert webhook attempts retried (an error status, a refused connection, the timeout).',
  },
});
