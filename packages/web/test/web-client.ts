// Drives a WebServer through fastify.inject as a browser would: cookies kept
// per client, the CSRF token read from the page it was rendered into.
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';

export class BrowserClient {
  readonly cookies = new Map<string, string>();

  constructor(
    private readonly app: FastifyInstance,
    private readonly remoteAddress = '127.0.0.1',
  ) {}

  async request(opts: InjectOptions): Promise<LightMyRequestResponse> {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await this.app.inject({
      remoteAddress: this.remoteAddress,
      ...opts,
      headers: { ...(cookie === '' ? {} : { cookie }), ...opts.headers },
    });
    for (const c of res.cookies as { name: string; value: string; maxAge?: number; expires?: Date }[]) {
      const cleared = c.value === '' || (c.expires !== undefined && c.expires.getTime() <= Date.now());
      if (cleared) this.cookies.delete(c.name);
      else this.cookies.set(c.name, c.value);
    }
    return res;
  }

  get(url: string): Promise<LightMyRequestResponse> {
    return this.request({ method: 'GET', url });
  }

  /** A form POST, as a browser sends one. */
  postForm(url: string, fields: Record<string, string>): Promise<LightMyRequestResponse> {
    return this.request({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams(fields).toString(),
    });
  }

  /** The login form's CSRF token (GET /login). */
  async loginToken(): Promise<string> {
    return formToken((await this.get('/login')).body);
  }

  /** Logs in; the response is the POST's (303 on success). */
  async login(name: string, password: string): Promise<LightMyRequestResponse> {
    const _csrf = await this.loginToken();
    return this.postForm('/login', { name, password, _csrf });
  }

  /** The CSRF token of a logged-in page (the layout's meta tag). */
  async pageToken(url = '/routes'): Promise<string> {
    const m = /<meta name="csrf-token" content="([^"]+)">/.exec((await this.get(url)).body);
    if (m === null) throw new Error(`no csrf-token meta on ${url}`);
    return m[1];
  }
}

export function formToken(html: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(html);
  if (m === null) throw new Error('no _csrf field in the form');
  return m[1];
}
