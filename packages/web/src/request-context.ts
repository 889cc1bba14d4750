import type { WebUser } from './accounts.js';

/** How a request proved who it is. */
export const AuthKind = { NONE: 'none', SESSION: 'session', TOKEN: 'token' } as const;
export type AuthKind = (typeof AuthKind)[keyof typeof AuthKind];

declare module 'fastify' {
  interface FastifyRequest {
    /** The user a session cookie or an API token belongs to; null when neither. */
    user: WebUser | null;
    authKind: AuthKind;
    /** The session cookie's token (for logout). */
    sessionToken: string | null;
    /**
     * What @fastify/csrf-protection (in its '@fastify/session' mode) reads the
     * CSRF secret from: the WebSession's, or before login the login cookie's.
     */
    session: { _csrf?: string } | null;
  }
}
