// @lars/dns: the route DNS daemon. Tests and benchmarks reach its parts
// through '@lars/dns/internal'.
export { DnsServer } from './dns-server.js';
export type { DnsServerOptions } from './dns-server.js';
export { dnsOptionsFromConfig } from './dns-config.js';
