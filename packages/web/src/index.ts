// @lars/web: the web console daemon. Tests reach its parts through
// '@lars/web/internal'.
export { WebServer, WEB_DEFAULTS } from './web-server.js';
export type { WebServerOptions } from './web-server.js';
export { webOptionsFromConfig } from './web-config.js';
export { Accounts } from './accounts.js';
export type { WebUser } from './accounts.js';
export { ROLES } from './roles.js';
export type { Role } from './roles.js';
