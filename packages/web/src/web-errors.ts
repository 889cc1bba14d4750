import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

/** What a JSON error body holds: a stable `error` and a sentence for people. */
export interface ApiError {
  error: string;
  message: string;
}

export const isApi = (req: FastifyRequest): boolean => req.url === '/api' || req.url.startsWith('/api/');

/**
 * Answers `status` with a JSON body on /api and the error page elsewhere
 * (rendered through the layout, so the header stays).
 */
export async function sendError(
  req: FastifyRequest,
  reply: FastifyReply,
  status: number,
  error: string,
  message: string,
): Promise<FastifyReply> {
  reply.code(status);
  if (isApi(req)) return reply.send({ error, message } satisfies ApiError);
  const html = await reply.viewAsync('error', { title: 'Error', status, message, ...(await pageContext(req, reply)) });
  return reply.type('text/html; charset=utf-8').send(html);
}

/** What the layout needs on every page: the user (header) and a CSRF token (logout form). */
export async function pageContext(
  req: FastifyRequest,
  reply: FastifyReply,
): Promise<{ user: FastifyRequest['user']; csrf: string }> {
  const csrf = req.session?._csrf === undefined ? '' : reply.generateCsrf();
  return { user: req.user, csrf };
}

/** A schema failure as a sentence: `querystring/modid must be integer` -> `modid: must be integer`. */
export function validationMessage(err: FastifyError): string {
  const first = err.validation?.[0];
  if (first === undefined) return err.message;
  const field =
    first.instancePath.replace(/^\//, '').replace(/\//g, '.') ||
    (first.params as { missingProperty?: string }).missingProperty ||
    err.validationContext ||
    'input';
  return `${field}: ${first.message ?? 'is not valid'}`;
}
