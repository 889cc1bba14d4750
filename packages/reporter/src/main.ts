#!/usr/bin/env node
// lars-reporter [CONF] (`./run_lars.sh reporter`, the package bin, the systemd unit): the reporter in the foreground.
import { runDaemon } from '@lars/reactor';
import { reporterOptionsFromConfig } from './reporter-config.js';
import { CLOSE_GRACE_MS, MAX_CLOSE_TIMEOUT_MS, ReporterServer } from './reporter-server.js';

await runDaemon({
  name: 'reporter',
  packageJson: new URL('../package.json', import.meta.url),
  defaultConfigFile: 'conf/lars_reporter.conf',
  defaultStatsPort: 7789,
  // A backstop past the reporter's own bound: close() gives up by `[reporter] close_timeout`
  // (at most MAX_CLOSE_TIMEOUT_MS), then logs what it could not write; its connections' graceful close adds up to 2 s.
  shutdownTimeoutMs: MAX_CLOSE_TIMEOUT_MS + 2 * CLOSE_GRACE_MS + 5_000,
  async start(config, logger) {
    const reporter = new ReporterServer({ ...reporterOptionsFromConfig(config, (msg) => logger.warn(msg)), logger });
    await reporter.start();
    return reporter;
  },
});
