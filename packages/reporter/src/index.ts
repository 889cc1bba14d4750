// @lars/reporter: the reporter daemon. Tests reach its parts through
// '@lars/reporter/internal'.
export { ReporterServer } from './reporter-server.js';
export type { ReporterServerOptions } from './reporter-server.js';
export { reporterOptionsFromConfig } from './reporter-config.js';
