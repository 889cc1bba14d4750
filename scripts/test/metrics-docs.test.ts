// The README's metric tables are the daemons' metric lists: a list entry the
// README lacks, or a README row no list has, fails here (fix: pnpm docs:metrics).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { defineMetrics } from '@lars/reactor';
import { METRIC_TABLES, README, renderReadme } from '../metrics-docs.js';

const LIST = defineMetrics({ up: { name: 'up', type: 'gauge', help: 'Up.' } });
const TABLES = [{ marker: 't', prefix: 'lars_t', list: LIST }];

describe('README metric tables', () => {
  it('match the metric lists (run pnpm docs:metrics after changing a list)', () => {
    const readme = readFileSync(README, 'utf8');
    expect(readme).toBe(renderReadme(readme));
  });

  it('name exactly the keys and metrics of each list', () => {
    const readme = readFileSync(README, 'utf8');
    // Every daemon with a metric list has its table.
    expect(METRIC_TABLES.map((t) => t.marker)).toEqual(expect.arrayContaining(['dns', 'reporter', 'agent']));
    for (const { marker, prefix, list } of METRIC_TABLES) {
      const section = readme.split(`<!-- metrics:${marker}:start -->`)[1].split(`<!-- metrics:${marker}:end -->`)[0];
      // Data rows: the header's first cell is `/stats` key, the separator's is dashes.
      const rows = section.split('\n').filter((l) => l.startsWith('| `') && !l.startsWith('| `/stats`'));
      expect(rows.map((r) => r.split('`')[1])).toEqual(Object.keys(list));
      expect(rows.map((r) => r.split('`')[3].replace(/\{.*\}$/, ''))).toEqual(
        Object.values(list).map((s) => `${prefix}_${s.name}`),
      );
    }
  });

  it('are regenerated between their markers, and a stale or missing table is caught', () => {
    const stale = 'intro\n<!-- metrics:t:start -->\n| old |\n<!-- metrics:t:end -->\nrest\n';
    const fresh = renderReadme(stale, TABLES);
    expect(fresh).not.toBe(stale);
    expect(fresh).toContain('| `up`         | `lars_t_up` | gauge | Up.     |');
    expect(fresh.startsWith('intro\n<!-- metrics:t:start -->\n\n| `/stats` key')).toBe(true);
    expect(fresh.endsWith('|\n\n<!-- metrics:t:end -->\nrest\n')).toBe(true);
    expect(renderReadme(fresh, TABLES)).toBe(fresh);
    expect(() => renderReadme('no markers', TABLES)).toThrow('README.md lacks the markers <!-- metrics:t:start -->');
  });
});
