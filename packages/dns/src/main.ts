#!/usr/bin/env node
// lars-dns [CONF] (`./run_lars.sh dns`, the package bin, the systemd unit): the route DNS in the foreground.
import { runDaemon } from '@lars/reactor';
import { dnsOptionsFromConfig } from './dns-config.js';
import { DnsServer } from './dns-server.js';

await runDaemon({
  name: 'dns',
  packageJson: new URL('../package.json', import.meta.url),
  defaultConfigFile: 'conf/lars_dns.conf',
  defaultStatsPort: 7788,
  // create, not start: /healthz and /readyz answer while the first table loads.
  create: (config, logger) => new DnsServer({ ...dnsOptionsFromConfig(config, (msg) => logger.warn(msg)), logger }),
});
