// A daemon's [stats] endpoint (/metrics, /stats, /healthz, /readyz) on a free
// loopback port, as runDaemon serves it, for tests that run the daemon in-process;
// and a /metrics text's samples by series.
import { StatsHttpServer, type DaemonHealth, type StatsSource } from '@lars/reactor';

export interface StatsEndpoint {
  /** GET `path` (`/metrics`, `/readyz`, ...) from the endpoint. */
  get(path: string): Promise<Response>;
  close(): Promise<void>;
}

export async function serveStatsEndpoint(daemon: {
  metrics: StatsSource;
  health: DaemonHealth;
}): Promise<StatsEndpoint> {
  const http = new StatsHttpServer(daemon.metrics, { health: daemon.health });
  const { port } = await http.listen();
  return { get: (path) => fetch(`http://127.0.0.1:${port}${path}`), close: () => http.close() };
}

/** The `name{labels} value` lines of a /metrics text (comments skipped), by series. */
export function metricSamples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}
