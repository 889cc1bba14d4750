// The shared LarsSystem plus the agent tests' protocol-level UDP client.
import type { AgentOptions } from '@lars/agent';
import { LarsSystem } from '../../../test-support/lars-system.js';
import { AgentClient } from './agent-client.js';

export class AgentSystem extends LarsSystem {
  client!: AgentClient;

  override async start(agentOptions: AgentOptions = {}): Promise<void> {
    await super.start(agentOptions);
    this.client = await AgentClient.open(this.basePort);
  }

  override async stop(): Promise<void> {
    await this.client?.close();
    await super.stop();
  }
}
