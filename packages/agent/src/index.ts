// @lars/agent: the LB agent daemon. Tests and benchmarks reach the
// load-balancing core through '@lars/agent/internal'.
export { Agent } from './agent.js';
export type { AgentOptions, AgentStats } from './agent.js';
export { agentOptionsFromConfig } from './agent-config.js';
