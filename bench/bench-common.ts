// Shared pieces of every benchmark (benchmarks.md): argument parsing, the
// machine record, and the two outputs (a human table, or one JSON object).
import { execFileSync } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname } from 'node:path';

export interface BenchArgs {
  json: boolean;
  long: boolean;
}

export function parseBenchArgs(argv: readonly string[] = process.argv.slice(2)): BenchArgs {
  const known = new Set(['--json', '--long']);
  for (const arg of argv) {
    if (!known.has(arg)) {
      process.stderr.write(`unknown argument: ${arg}\nusage: [--json] [--long]\n`);
      process.exit(2);
    }
  }
  return { json: argv.includes('--json'), long: argv.includes('--long') };
}

export interface Machine {
  cores: number;
  cpu: string;
  node: string;
  platform: string;
}

export function machine(): Machine {
  const list = cpus();
  return { cores: list.length, cpu: list[0]?.model ?? 'unknown', node: process.version, platform: process.platform };
}

/** Prints rows as an aligned text table; columns in the order of the first row's keys. */
export function printTable(rows: ReadonlyArray<Record<string, string | number>>): void {
  if (rows.length === 0) return;
  const cols = Object.keys(rows[0]);
  const cell = (v: string | number) => (typeof v === 'number' ? formatNumber(v) : v);
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padStart(widths[i])).join('  ');
  process.stdout.write(`${line(cols)}\n${line(widths.map((w) => '-'.repeat(w)))}\n`);
  for (const r of rows) process.stdout.write(`${line(cols.map((c) => cell(r[c])))}\n`);
}

function formatNumber(v: number): string {
  if (Number.isInteger(v)) return v.toLocaleString('en-US');
  return v.toFixed(v < 10 ? 3 : 1);
}

/** p-th percentile (0..100) of an unsorted sample; sorts a copy. */
export function percentile(sample: ArrayLike<number>, p: number): number {
  if (sample.length === 0) return 0;
  const sorted = Float64Array.from(sample).sort();
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/**
 * A clock every process of the machine shares: CLOCK_MONOTONIC (what
 * process.hrtime reads, and a C client's clock_gettime), ms with sub-ms
 * precision. Not performance.timeOrigin + performance.now(): timeOrigin is
 * each process's wall clock at start, which drifts from the monotonic one.
 */
export function sharedClock(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/**
 * Compiles a benchmark's C program (`cc -O2 -Wall -Werror`, then `flags`)
 * to `binary` (under var/bench/) when the binary is missing or older than
 * `source`, so a run after an edit never measures a stale program.
 */
export function buildCProgram(source: string, binary: string, flags: readonly string[] = []): void {
  const mtime = (f: string) => statSync(f, { throwIfNoEntry: false })?.mtimeMs ?? -1;
  if (mtime(binary) >= mtime(source)) return;
  mkdirSync(dirname(binary), { recursive: true });
  execFileSync('cc', ['-O2', '-Wall', '-Werror', '-o', binary, source, ...flags], { stdio: 'inherit' });
}
