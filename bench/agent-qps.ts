// The agent benchmark's client: the qps tool (packages/tools) as a process,
// read through its --json summary line.
import { execFile } from 'node:child_process';
import { REPO_ROOT } from '../test-support/repo-paths.js';
import { SOURCE_NODE_ARGS } from '../test-support/source-node.js';

export interface QpsRun {
  basePort: number;
  threads: number;
  inflight: number;
  seconds: number;
  /** Seconds of looping before the count starts. */
  warmup: number;
  /** get_host alone (qps --no-report), not get_host then a report. */
  noReport?: boolean;
}

export interface RunResult {
  loopsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  loops: number;
  /** Requests that got no answer (SYSTEM_ERROR after the SDK's retries). */
  errors: number;
}

export function runQps(run: QpsRun): Promise<RunResult> {
  const argv = [
    ...SOURCE_NODE_ARGS,
    'packages/tools/src/cli.ts',
    'qps',
    String(run.threads),
    '--inflight',
    String(run.inflight),
    '--duration',
    String(run.seconds),
    ...(run.warmup > 0 ? ['--warmup', String(run.warmup)] : []),
    ...(run.noReport === true ? ['--no-report'] : []),
    '--json',
    '--host',
    '127.0.0.1',
    '--base-port',
    String(run.basePort),
  ];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, argv, { cwd: REPO_ROOT, timeout: (run.seconds + 60) * 1000 }, (err, stdout, stderr) => {
      if (err !== null) {
        reject(new Error(`qps failed: ${err.message}\n${stderr}`));
        return;
      }
      const s = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, number>;
      resolve({ loopsPerSecond: s.loopsPerSec, p50Ms: s.p50Ms, p99Ms: s.p99Ms, loops: s.loops, errors: s.errors });
    });
  });
}
