// How `./run_lars.sh status` asks a running daemon how it is: GET /healthz
// and GET /readyz on its `[stats]` port, each within a timeout. A daemon
// whose process lives but that does not answer in time is stopped (SIGSTOP)
// or hung; one that answers /healthz with 404 predates the health endpoints.
import { get } from 'node:http';
import type { HealthReport } from '@lars/reactor';

/** What a daemon's stats port said. */
export type Probe =
  /** No HTTP answer within the timeout, or the port refused the connection. */
  | { readonly state: 'not-answering'; readonly why: string }
  /** /healthz answered but not 200: the daemon says it is not alive (e.g. a thread stopped). */
  | { readonly state: 'not-live'; readonly reason: string }
  /** /healthz 200; `ready` false with the reason /readyz gave. */
  | { readonly state: 'live'; readonly ready: true }
  | { readonly state: 'live'; readonly ready: false; readonly reason: string }
  /** /healthz 404: an older daemon whose stats endpoint answers but has no health endpoint. */
  | { readonly state: 'no-health' };

interface Answer {
  status: number;
  body: unknown;
}

/** An answer body is read up to this many characters; a health report is far smaller. */
const MAX_BODY_CHARS = 64 * 1024;
/** How much of a reason the status line shows. */
const MAX_REASON_CHARS = 300;

class NoAnswer extends Error {}

/** GET `path`, the whole answer within `timeoutMs`; rejects with NoAnswer otherwise. */
function getWithin(host: string, port: number, path: string, timeoutMs: number): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = get({ host, port, path, agent: false, signal: AbortSignal.timeout(timeoutMs) }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (text.length < MAX_BODY_CHARS) text += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: parseBody(text) }));
      res.on('close', () => {
        if (!res.complete) reject(new NoAnswer(`its answer to ${path} stopped within ${timeoutMs} ms`));
      });
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (err.name === 'AbortError')
        reject(new NoAnswer(`no answer to ${path} within ${timeoutMs} ms (stopped or hung?)`));
      else if (err.code === 'ECONNREFUSED')
        reject(new NoAnswer(`nothing listens on ${host}:${port} (still starting, or the pid is another process's?)`));
      else reject(new NoAnswer(`${path}: ${err.message}`));
    });
  });
}

function parseBody(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // Not JSON (a 404's plain text, say): the text is what there is to show.
    return text;
  }
}

function isHealthReport(body: unknown): body is HealthReport {
  if (typeof body !== 'object' || body === null) return false;
  const r = body as Partial<HealthReport>;
  return Array.isArray(r.failing) && typeof r.checks === 'object' && r.checks !== null;
}

/** What a /healthz or /readyz answer says is failing: `check: detail; ...` from a HealthReport, else the body. */
export function failingReason(answer: Answer): string {
  const { body, status } = answer;
  let reason: string;
  if (isHealthReport(body) && body.failing.length > 0) {
    reason = body.failing
      .map((name) => {
        const detail = body.checks[name]?.detail;
        return typeof detail === 'string' && detail !== '' ? `${name}: ${detail}` : name;
      })
      .join('; ');
  } else {
    const text = typeof body === 'string' ? body.trim() : JSON.stringify(body);
    reason = text === '' || text === undefined ? `HTTP ${status}` : `HTTP ${status}: ${text}`;
  }
  return reason.length > MAX_REASON_CHARS ? `${reason.slice(0, MAX_REASON_CHARS - 3)}...` : reason;
}

/** Asks the stats endpoint at host:port; each of its two requests gets `timeoutMs`. */
export async function probeDaemon(host: string, port: number, timeoutMs: number): Promise<Probe> {
  try {
    const live = await getWithin(host, port, '/healthz', timeoutMs);
    if (live.status === 404) return { state: 'no-health' };
    if (live.status !== 200) return { state: 'not-live', reason: failingReason(live) };
    const ready = await getWithin(host, port, '/readyz', timeoutMs);
    if (ready.status === 200 || ready.status === 404) return { state: 'live', ready: true };
    return { state: 'live', ready: false, reason: failingReason(ready) };
  } catch (err) {
    if (err instanceof NoAnswer) return { state: 'not-answering', why: err.message };
    throw err;
  }
}

/** Where to reach a stats endpoint bound to `ip`: a wildcard address is reached on loopback. */
export function probeHost(ip: string): string {
  if (ip === '' || ip === '0.0.0.0') return '127.0.0.1';
  if (ip === '::') return '::1';
  return ip;
}
