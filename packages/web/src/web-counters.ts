/** The console's counters (main thread only): what web-metrics.ts exports. */
export class WebCounters {
  requests = 0;
  serverErrors = 0;
  logins = 0;
  loginFailures = 0;
  loginsLimited = 0;
  csrfRefused = 0;
  authRefused = 0;
  tokenRequests = 0;
  /** Route changes the console applied (changeRoutes calls that changed a row), pages and API. */
  routeChanges = 0;
  sessions = 0;
  /** -1: no query yet. */
  mysqlUp = -1;
  /** Alert webhook deliveries: answered 2xx, given up after the retries, attempts retried. */
  webhookSent = 0;
  webhookFailed = 0;
  webhookRetried = 0;
}
