// A whole Lars for the tools' integration tests, and a wait until a route
// has reached the agent, so a tool's first request never races the DNS.
import { LarsClient, RetCode } from '@lars/client';
import { LarsSystem } from '../../../test-support/lars-system.js';
import { until } from '../../../test-support/wait.js';

export { LarsSystem };

/** Waits until the agent of `sys` answers get_route for (modid, cmdid) with `count` hosts. */
export async function waitForRoute(sys: LarsSystem, modid: number, cmdid: number, count: number): Promise<void> {
  const client = new LarsClient({ basePort: sys.basePort });
  try {
    await until(async () => {
      const route = await client.getRoute(modid, cmdid);
      return route.ret === RetCode.SUCC && route.hosts.length === count;
    }, `${count} hosts of ${modid}/${cmdid} at the agent`);
  } finally {
    await client.close();
  }
}

/** Reports received by the agent so far (its counters are published every few ms). */
export function agentReports(sys: LarsSystem): number {
  return sys.agent.stats().reportRequests as number;
}
