import { STOP_WORKER_HEARTBEAT, type Agent } from './agent.js';

/**
 * Makes UDP worker `index` stop its heartbeat (the worker keeps serving), so
 * a test sees `/healthz` name it once deadAfterMs has passed. Reached through
 * '@lars/agent/internal' only. False when that worker has exited.
 */
export function stopWorkerHeartbeat(agent: Agent, index: number): boolean {
  return agent[STOP_WORKER_HEARTBEAT](index);
}
