// The agent's UDP transports: every transport-sensitive test (the agent's UDP
// tests and golden frames, the agent run from its config file, the agent-port
// fuzz) runs once on each. The native run names `native` explicitly, so a
// missing addon fails it at start (NATIVE_UNAVAILABLE) instead of falling
// back, and the test checks /stats says so.
import { UdpTransportKind } from '@lars/wire';

export const AGENT_TRANSPORTS = [UdpTransportKind.DGRAM, UdpTransportKind.NATIVE] as const;
export type AgentTestTransport = (typeof AGENT_TRANSPORTS)[number];

/** The `/stats` value of `transport` for an agent on `kind`. */
export function transportStat(kind: AgentTestTransport): Record<string, number> {
  return { [kind]: 1 };
}
