// `./run_lars.sh dns [conf]`: the route DNS in the foreground.
import { runDaemon } from '@lars/reactor';
import { dnsOptionsFromConfig } from './dns-config.js';
import { DnsServer } from './dns-server.js';

await runDaemon({
  name: 'dns',
  configFile: process.argv[2] ?? 'conf/lars_dns.conf',
  defaultStatsPort: 7788,
  async start(config, logger) {
    const dns = new DnsServer({ ...dnsOptionsFromConfig(config), logger });
    await dns.start();
    return dns;
  },
});
