// The agent benchmark's low-load client (agent-get-host-client.c): compiled
// with cc into var/bench/ when its source is newer, run as a process of its
// own, read through the one JSON line it prints.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { buildCProgram } from './bench-common.js';

const SOURCE = fileURLToPath(new URL('./agent-get-host-client.c', import.meta.url));
const BINARY = fileURLToPath(new URL('../var/bench/agent-get-host-client', import.meta.url));

export interface LowLoadRun {
  host: string;
  /** The port that serves (modid, cmdid): base_port + agentPortIndex(modid, cmdid). */
  port: number;
  modid: number;
  cmdid: number;
  /** Round trips timed. */
  count: number;
  /** Round trips before those, not timed. */
  warmup: number;
}

/** What the client prints: latencies of the timed round trips, ms. */
export interface LowLoadResult {
  samples: number;
  /** Requests with no answer within the client's 1 s receive timeout. */
  errors: number;
  /** Answers whose retcode is not SUCC (timed all the same). */
  notSucc: number;
  /** Late answers to requests that had timed out, dropped. */
  stale: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
}

export function runLowLoad(run: LowLoadRun): Promise<LowLoadResult> {
  buildCProgram(SOURCE, BINARY);
  const argv = [run.host, run.port, run.modid, run.cmdid, run.count, run.warmup].map(String);
  // Timeouts are 1 s each: a dead server would take count seconds, so bound the run.
  const timeoutMs = 120_000;
  return new Promise((resolve, reject) => {
    execFile(BINARY, argv, { timeout: timeoutMs }, (err, stdout, stderr) => {
      if (err !== null) {
        reject(new Error(`${BINARY} failed: ${err.message}\n${stderr}`));
        return;
      }
      resolve(JSON.parse(stdout.trim()) as LowLoadResult);
    });
  });
}
