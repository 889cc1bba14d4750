// promtool's verdict on a /metrics text, a rules file or a Prometheus config,
// for tests that hold them to what Prometheus accepts. scripts/ensure-promtool.sh (run by `npm test`)
// puts promtool at var/bin/promtool.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './repo-paths.js';

export const PROMTOOL = join(REPO_ROOT, 'var', 'bin', 'promtool');

export interface PromtoolVerdict {
  /** promtool exited 0: the text parses and lints clean. */
  ok: boolean;
  /**
   * promtool's output lines: the problems it names when not ok
   * (`lars_dns_x counter metrics should have "_total" suffix`, ...), its SUCCESS lines when ok.
   */
  problems: string[];
  exitCode: number | null;
}

/** Runs `promtool check metrics` with `text` on stdin. */
export function promtoolCheckMetrics(text: string): PromtoolVerdict {
  return promtool(['check', 'metrics'], text);
}

/** Runs `promtool check rules FILE` (syntax, PromQL parse, duplicate rules). */
export function promtoolCheckRules(file: string): PromtoolVerdict {
  return promtool(['check', 'rules', file]);
}

/** Runs `promtool test rules FILE`: the unit tests of rule files (input series, expected alerts). */
export function promtoolTestRules(file: string): PromtoolVerdict {
  return promtool(['test', 'rules', file]);
}

/** Runs `promtool check config FILE`, which checks the rule files it names too. */
export function promtoolCheckConfig(file: string): PromtoolVerdict {
  return promtool(['check', 'config', file]);
}

function promtool(args: readonly string[], input?: string): PromtoolVerdict {
  if (!existsSync(PROMTOOL)) {
    throw new Error(`promtool is missing at ${PROMTOOL}: run bash scripts/ensure-promtool.sh`);
  }
  const run = spawnSync(PROMTOOL, args, { input, encoding: 'utf8' });
  if (run.error !== undefined) throw run.error;
  const problems = `${run.stdout}\n${run.stderr}`
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  return { ok: run.status === 0, problems, exitCode: run.status };
}
