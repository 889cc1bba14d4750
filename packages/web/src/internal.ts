// What tests and scripts need beyond the public API; not a stable surface.
export * from './index.js';
export { WEB_CONFIG } from './web-config.js';
export { WEB_METRICS } from './web-metrics.js';
export { LoginLimiter } from './login-limiter.js';
export { SESSION_COOKIE, LOGIN_COOKIE } from './auth.js';
export { hashPassword, verifyPassword, SCRYPT_DEFAULTS } from './password-hash.js';
export { parseSearch } from './route-query.js';
