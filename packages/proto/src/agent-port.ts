/** The agent listens on three UDP ports: base_port, base_port + 1, base_port + 2. */
export const AGENT_PORTS = 3;

/**
 * Which of the agent's ports serves (modid, cmdid): requests for the key go
 * to base_port + this, and that port's worker owns the key (protocol.md).
 * Normalised for negative sums, so every peer agrees on every int32 key.
 */
export function agentPortIndex(modid: number, cmdid: number): number {
  return (((modid + cmdid) % AGENT_PORTS) + AGENT_PORTS) % AGENT_PORTS;
}
