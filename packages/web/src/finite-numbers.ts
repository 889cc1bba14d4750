// ajv coerces a query or path integer of more than ~309 digits to Infinity
// and then skips minimum/maximum for it (they only compare finite numbers),
// so a schema-checked `modid` could reach a handler as Infinity and fail
// there as a 500. This hook, after validation, turns that into the 400 a
// too-large number gets below that length.
import type { FastifyInstance } from 'fastify';
import { sendError } from './web-errors.js';

const PARTS = ['params', 'query', 'body'] as const;

/** The first top-level field of params, query or body that validation left as a non-finite number. */
export function nonFiniteField(req: Record<(typeof PARTS)[number], unknown>): string | null {
  for (const part of PARTS) {
    const values = req[part];
    if (values === null || typeof values !== 'object') continue;
    for (const [field, v] of Object.entries(values)) if (typeof v === 'number' && !Number.isFinite(v)) return field;
  }
  return null;
}

/** Registers the check for every route registered after it. */
export function refuseNonFiniteNumbers(app: FastifyInstance): void {
  app.addHook('preHandler', async (req, reply) => {
    const field = nonFiniteField(req);
    if (field !== null) return sendError(req, reply, 400, 'bad_request', `${field}: is too large a number`);
  });
}
