// deploy/systemd: each unit starts the bin its package declares, the way the
// README there says, with the keys a production unit must keep. A static
// check; `systemd-analyze verify` runs too when the machine has it.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../test-support/repo-paths.js';

const UNIT_DIR = join(REPO_ROOT, 'deploy', 'systemd');
const BIN_DIR = '/opt/lars/node_modules/.bin';
const DEFAULT_MAX_CONN = 1024;

/** `Key=value` lines of a unit (comments and section headers left out); a key given twice keeps every value. */
function unitKeys(file: string): Map<string, string[]> {
  const keys = new Map<string, string[]>();
  for (const raw of readFileSync(file, 'utf8').split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('[')) continue;
    const eq = line.indexOf('=');
    const key = line.slice(0, eq);
    keys.set(key, [...(keys.get(key) ?? []), line.slice(eq + 1)]);
  }
  return keys;
}

/** Every daemon package (one whose bin runs dist/main.js), by bin name. */
function daemonBins(): Map<string, { dir: string; target: string }> {
  const bins = new Map<string, { dir: string; target: string }>();
  for (const dir of readdirSync(join(REPO_ROOT, 'packages'))) {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'packages', dir, 'package.json'), 'utf8')) as {
      bin?: Record<string, string>;
    };
    for (const [name, target] of Object.entries(pkg.bin ?? {})) {
      if (target === './dist/main.js') bins.set(name, { dir, target });
    }
  }
  return bins;
}

const units = readdirSync(UNIT_DIR).filter((f) => f.endsWith('.service'));

describe('deploy/systemd units', () => {
  it('has one unit per daemon bin, and nothing else', () => {
    expect(units.map((u) => u.replace(/\.service$/, '')).sort()).toEqual([...daemonBins().keys()].sort());
    expect([...daemonBins().keys()].sort()).toEqual(['lars-agent', 'lars-dns', 'lars-reporter', 'lars-web']);
  });

  for (const unit of units) {
    const bin = unit.replace(/\.service$/, '');
    it(`${unit} starts ${bin} as lars, from /etc/lars, with restarts, limits, journal and hardening`, () => {
      const keys = unitKeys(join(UNIT_DIR, unit));
      const one = (key: string): string | undefined => {
        const values = keys.get(key) ?? [];
        expect(values.length, `${unit}: ${key} given ${values.length} times`).toBeLessThanOrEqual(1);
        return values[0];
      };
      const pkg = daemonBins().get(bin);
      expect(pkg, `${bin} is a bin of a packages/*/package.json`).toBeDefined();
      expect(one('ExecStart')).toBe(`${BIN_DIR}/${bin}`);
      const main = readFileSync(join(REPO_ROOT, 'packages', pkg!.dir, 'src', 'main.ts'), 'utf8');
      expect(main.startsWith('#!/usr/bin/env node\n'), `packages/${pkg!.dir}/src/main.ts shebang`).toBe(true);

      const conf = (keys.get('Environment') ?? []).map((e) => /^LARS_CONF=\/etc\/lars\/(.+\.conf)$/.exec(e)?.[1]);
      const confName = conf.find((c) => c !== undefined);
      expect(confName, `${unit}: Environment=LARS_CONF=/etc/lars/<file>.conf`).toBeDefined();
      expect(existsSync(join(REPO_ROOT, 'conf', confName!)), `conf/${confName} exists to copy`).toBe(true);

      expect(one('User')).toBe('lars');
      expect(one('Group')).toBe('lars');
      expect(one('Restart')).toBe('on-failure');
      expect(Number(one('LimitNOFILE'))).toBeGreaterThanOrEqual(DEFAULT_MAX_CONN + 256);
      expect(one('SyslogIdentifier')).toBe(bin);
      expect(one('StandardOutput')).toBe('journal');
      expect(one('StandardError')).toBe('journal');
      expect(one('NoNewPrivileges')).toBe('true');
      expect(one('ProtectSystem')).toBe('strict');
      expect(one('ProtectHome')).toBe('true');
      expect(one('PrivateTmp')).toBe('true');
      expect(one('WantedBy')).toBe('multi-user.target');
    });
  }

  const analyze = spawnSync('systemd-analyze', ['--version']).status === 0;
  it.skipIf(!analyze)(
    'passes systemd-analyze verify (ExecStart pointed at /bin/true: nothing is installed here)',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'lars-units-'));
      try {
        for (const unit of units) {
          const text = readFileSync(join(UNIT_DIR, unit), 'utf8').replace(/^ExecStart=.*$/m, 'ExecStart=/bin/true');
          writeFileSync(join(dir, unit), text);
        }
        execFileSync('systemd-analyze', ['verify', ...units.map((u) => join(dir, u))], { stdio: 'pipe' });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
