// What one LB agent (`[web] agent`, its UDP base port) holds for a route,
// asked with API_GetRoute through the SDK, so the route page shows whether a
// change has reached the machines. An agent that does not answer is a value
// with the reason, not a failed page.
import { LarsClient, RetCode } from '@lars/client';
import type { StatsAddress } from './web-options.js';

export type AgentRoute =
  | { configured: false }
  | { configured: true; agent: string; ok: true; hosts: string[] }
  | { configured: true; agent: string; ok: false; error: string };

/** A short wait: the page must not hang on a dead agent. */
const TIMEOUT_MS = 300;

export class AgentRouteView {
  private client: LarsClient | null = null;

  constructor(private readonly address: StatsAddress | undefined) {}

  /** Whether `[web] agent` names an agent (the pages show its panel). */
  get configured(): boolean {
    return this.address !== undefined;
  }

  async route(modid: number, cmdid: number): Promise<AgentRoute> {
    if (this.address === undefined) return { configured: false };
    const agent = `${this.address.host}:${this.address.port}`;
    this.client ??= new LarsClient({
      host: this.address.host,
      basePort: this.address.port,
      env: {},
      timeoutMs: TIMEOUT_MS,
      retries: 1,
    });
    const r = await this.client.getRoute(modid, cmdid);
    if (r.ret === RetCode.SYSTEM_ERROR) return { configured: true, agent, ok: false, error: r.error.message };
    const hosts = r.hosts.map((h) => `${h.ip}:${h.port}`).sort();
    return { configured: true, agent, ok: true, hosts };
  }

  async close(): Promise<void> {
    await this.client?.close();
    this.client = null;
  }
}
