#!/usr/bin/env node
// lars-web [CONF] (`./run_lars.sh web`, the package bin, the systemd unit): the console in the foreground.
import { runDaemon } from '@lars/reactor';
import { webOptionsFromConfig } from './web-config.js';
import { WebServer } from './web-server.js';

await runDaemon({
  name: 'web',
  packageJson: new URL('../package.json', import.meta.url),
  defaultConfigFile: 'conf/lars_web.conf',
  defaultStatsPort: 7790,
  async start(config, logger) {
    const web = new WebServer({ ...webOptionsFromConfig(config, (msg) => logger.warn(msg)), logger });
    await web.start();
    return web;
  },
});
