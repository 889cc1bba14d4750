#!/usr/bin/env node
// lars-reporter [CONF] (`./run_lars.sh reporter`, the package bin, the systemd unit): the reporter in the foreground.
import { runDaemon } from '@lars/reactor';
import { reporterOptionsFromConfig } from './reporter-config.js';
import { ReporterServer } from './reporter-server.js';

await runDaemon({
  name: 'reporter',
  packageJson: new URL('../package.json', import.meta.url),
  defaultConfigFile: 'conf/lars_reporter.conf',
  defaultStatsPort: 7789,
  // Long enough for the writers to flush a full queue.
  shutdownTimeoutMs: 30_000,
  async start(config, logger) {
    const reporter = new ReporterServer({ ...reporterOptionsFromConfig(config), logger });
    await reporter.start();
    return reporter;
  },
});
