// The daemons' command line (runDaemon + daemon-args.ts), from the
// sources: --help, --version, an unknown option, and where the config file
// comes from (the argument, else LARS_CONF). A config with a bad value makes
// each start fail at once, naming the file it read, so no database is needed.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../test-support/repo-paths.js';
import { SOURCE_NODE_ARGS } from '../../test-support/source-node.js';

const DAEMONS = [
  { pkg: 'dns', bin: 'lars-dns' },
  { pkg: 'reporter', bin: 'lars-reporter' },
  { pkg: 'agent', bin: 'lars-agent' },
  { pkg: 'web', bin: 'lars-web' },
] as const;

const dir = mkdtempSync(join(tmpdir(), 'lars-daemon-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function badConf(name: string): string {
  const file = join(dir, name);
  writeFileSync(file, '[stats]\nport = seventy\n');
  return file;
}

function runMain(pkg: string, args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    const { LARS_CONF: _unset, ...parentEnv } = process.env;
    execFile(
      process.execPath,
      [...SOURCE_NODE_ARGS, `packages/${pkg}/src/main.ts`, ...args],
      { cwd: REPO_ROOT, env: { ...parentEnv, LARS_LOG_LEVEL: 'info', ...env }, timeout: 60_000 },
      (err, stdout, stderr) =>
        resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : 1, stdout, stderr }),
    );
  });
}

describe.each(DAEMONS)('$bin command line', ({ pkg, bin }) => {
  const version = (
    JSON.parse(readFileSync(join(REPO_ROOT, 'packages', pkg, 'package.json'), 'utf8')) as {
      version: string;
    }
  ).version;

  it('prints its version and its usage, and does nothing else', async () => {
    expect(await runMain(pkg, ['--version'])).toEqual({ code: 0, stdout: `${bin} ${version}\n`, stderr: '' });
    const help = await runMain(pkg, ['--help', 'ignored.conf']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(new RegExp(`^usage: ${bin} \\[CONF\\]\n`));
    expect(help.stderr).toBe('');
  });

  it('exits 2 with its usage for an unknown option or a second path', async () => {
    for (const args of [['--frobnicate'], ['a.conf', 'b.conf']]) {
      const r = await runMain(pkg, args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`^${bin}: .+\nusage: ${bin} \\[CONF\\]`));
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('reads LARS_CONF when no path is given, and the argument over it', async () => {
    const fromEnv = await runMain(pkg, [], { LARS_CONF: badConf(`${pkg}-env.conf`) });
    expect(fromEnv.code).toBe(1);
    expect(fromEnv.stdout + fromEnv.stderr).toContain(`${pkg}-env.conf: [stats] port`);
    const fromArg = await runMain(pkg, [badConf(`${pkg}-arg.conf`)], { LARS_CONF: join(dir, 'absent.conf') });
    expect(fromArg.code).toBe(1);
    expect(fromArg.stdout + fromArg.stderr).toContain(`${pkg}-arg.conf: [stats] port`);
  });
});
