#!/usr/bin/env node
// lars-agent [CONF] (`./run_lars.sh lbagent`, the package bin, the systemd unit): the LB agent in the foreground.
import { setFlagsFromString } from 'node:v8';
import { runDaemon } from '@lars/reactor';
import { Agent } from './agent.js';
import { agentOptionsFromConfig } from './agent-config.js';

// The agent's garbage is short-lived (a decoded request, a reply): V8 would
// still grow the young generation of a busy thread from 2 MiB to 32 MiB of
// RSS, a third of the process. A growth factor of 1 keeps it at its initial
// size (V8 reads the factor at each growth, so setting it here takes effect;
// --max-semi-space-size would have to be on the command line). Scavenges run
// more often and each stays as cheap: little survives one.
setFlagsFromString('--semi-space-growth-factor=1');

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
