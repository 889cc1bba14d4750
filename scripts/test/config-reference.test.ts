// The three daemons' config rules tables against each other, the one list
// of non-config LARS_ variables, the repository's uses of LARS_ variables and
// docs/configuration.md, so that none of them drifts from the others.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Config, type ConfigSchema, LARS_CONFIG_SECTIONS, NON_CONFIG_VARIABLES } from '@lars/reactor';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../test-support/repo-paths.js';
import { AGENT_CONFIG } from '../../packages/agent/src/agent-config.js';
import { DNS_CONFIG } from '../../packages/dns/src/dns-config.js';
import { REPORTER_CONFIG } from '../../packages/reporter/src/reporter-config.js';
import { WEB_CONFIG } from '../../packages/web/src/web-config.js';

const SCHEMAS = [DNS_CONFIG, REPORTER_CONFIG, AGENT_CONFIG, WEB_CONFIG] as unknown as ConfigSchema[];
const DOC = readFileSync(join(REPO_ROOT, 'docs', 'configuration.md'), 'utf8');

const sectionsOf = (s: ConfigSchema) => [...new Set(s.rules.map((r) => r.section))];
const keysOf = (s: ConfigSchema, section: string) => s.rules.filter((r) => r.section === section).map((r) => r.key);

/** Source files that may read LARS_ variables (not node_modules, builds, or var/). */
function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (['node_modules', 'dist', 'var', '.git', 'generated'].includes(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sourceFiles(path, out);
    else if (/\.(ts|mjs|sh|service)$/.test(name) || name === 'run_lars.sh') out.push(path);
  }
  return out;
}

describe('config reference', () => {
  it('every table has one rule per (section, key)', () => {
    for (const s of SCHEMAS) {
      const names = s.rules.map((r) => `${r.section} ${r.key}`);
      expect(new Set(names).size, s.daemon).toBe(names.length);
    }
  });

  it('LARS_CONFIG_SECTIONS is every section of the three tables, and their aliases', () => {
    const all = new Set<string>();
    for (const s of SCHEMAS) {
      for (const section of sectionsOf(s)) all.add(section);
      for (const alias of Object.keys(s.aliases ?? {})) all.add(alias);
    }
    expect([...LARS_CONFIG_SECTIONS].sort()).toEqual([...all].sort());
  });

  it("a section two daemons share: each one's keys are the other's own or listed as another daemon's", () => {
    for (const a of SCHEMAS) {
      for (const b of SCHEMAS) {
        if (a === b) continue;
        for (const section of sectionsOf(a).filter((x) => sectionsOf(b).includes(x))) {
          const accepted = [...keysOf(a, section), ...(a.otherDaemonKeys?.[section] ?? [])];
          const missing = keysOf(b, section).filter((k) => !accepted.includes(k));
          expect(missing, `${a.daemon} [${section}]: keys of ${b.daemon}`).toEqual([]);
        }
      }
      // And it lists nothing no daemon reads.
      for (const [section, keys] of Object.entries(a.otherDaemonKeys ?? {})) {
        for (const k of keys) {
          expect(
            SCHEMAS.some((b) => b !== a && keysOf(b, section).includes(k)),
            `${a.daemon} otherDaemonKeys [${section}] ${k}`,
          ).toBe(true);
        }
      }
    }
  });

  it('every LARS_ variable the repository reads is a config key of a daemon or in NON_CONFIG_VARIABLES', () => {
    const configNames = new Set(SCHEMAS.flatMap((s) => s.rules.map((r) => Config.envName(r.section, r.key))));
    // Reads and settings outside tests (which use wrong names on purpose): in code env.LARS_X,
    // env['LARS_X'] and a `LARS_X: ...` key of an env object; in shell $LARS_X, ${LARS_X, Environment=LARS_X=.
    const inCode = /(?:env\.|env\[['"])(LARS_[A-Z0-9_]*[A-Z0-9])\b|\b(LARS_[A-Z0-9_]*[A-Z0-9])['"]?\s*:\s/g;
    const inShell = /(?:\$\{?|Environment=)(LARS_[A-Z0-9_]*[A-Z0-9])\b()/g;
    const unknown = new Map<string, string>();
    for (const file of sourceFiles(REPO_ROOT)) {
      if (/\/test\//.test(relative(REPO_ROOT, file).replace(/^/, '/'))) continue;
      for (const m of readFileSync(file, 'utf8').matchAll(/\.(ts|mjs)$/.test(file) ? inCode : inShell)) {
        const name = m[1] ?? m[2];
        if (configNames.has(name) || Object.hasOwn(NON_CONFIG_VARIABLES, name)) continue;
        unknown.set(name, relative(REPO_ROOT, file));
      }
    }
    expect(Object.fromEntries(unknown)).toEqual({});
  });

  it('docs/configuration.md lists exactly NON_CONFIG_VARIABLES under "Variables that are not config keys"', () => {
    const start = DOC.indexOf('### Variables that are not config keys');
    expect(start).toBeGreaterThan(0);
    const section = DOC.slice(start, DOC.indexOf('\n#', start + 1));
    const listed = [...section.matchAll(/^\| `(LARS_[A-Z0-9_]+)` +\|/gm)].map((m) => m[1]);
    expect(listed.sort()).toEqual(Object.keys(NON_CONFIG_VARIABLES).sort());
  });

  it('docs/configuration.md names every key of every table as `[section] key`', () => {
    const missing: string[] = [];
    for (const s of SCHEMAS) {
      for (const r of s.rules) {
        if (r.section === 'loadbalance' && !['local_ip', 'max_routes', 'pull_rate'].includes(r.key)) continue; // load-balancing.md
        if (!DOC.includes(`\`[${r.section}] ${r.key}\``)) missing.push(`${s.daemon}: [${r.section}] ${r.key}`);
      }
    }
    expect(missing).toEqual([]);
  });
});
