#!/usr/bin/env node
// lars-agent [CONF] (`./run_lars.sh lbagent`, the package bin, the systemd unit): the LB agent in the foreground.
import './v8-memory-flags.js';
import { runDaemon } from '@lars/reactor';
import { Agent } from './agent.js';
import { agentOptionsFromConfig } from './agent-config.js';

await runDaemon({
  name: 'agent',
  packageJson: new URL('../package.json', import.meta.url),
  defaultConfigFile: 'conf/lars_lb_agent.conf',
  defaultStatsPort: 8898,
  async start(config, logger) {
    const agent = new Agent({ ...agentOptionsFromConfig(config, (msg) => logger.warn(msg)), logger });
    await agent.start();
    return agent;
  },
});
