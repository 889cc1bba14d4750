// `./run_lars.sh lbagent [conf]`: the LB agent in the foreground.
import { runDaemon } from '@lars/reactor';
import { Agent } from './agent.js';
import { agentOptionsFromConfig } from './agent-config.js';

await runDaemon({
  name: 'agent',
  configFile: process.argv[2] ?? 'conf/lars_lb_agent.conf',
  defaultStatsPort: 8898,
  async start(config, logger) {
    const agent = new Agent({ ...agentOptionsFromConfig(config), logger });
    await agent.start();
    return agent;
  },
});
