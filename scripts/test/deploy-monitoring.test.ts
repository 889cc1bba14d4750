// deploy/prometheus and deploy/grafana: promtool accepts the rules, their
// unit tests and the scrape config, the dashboard's queries parse, and every
// metric (and label) any of them names is one a daemon exports: the names
// come from the daemons' metric lists, rendered by the registry that serves
// /metrics, so renaming a metric fails here rather than leaving a silent
// alert or an empty panel.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AGENT_METRICS } from '@lars/agent/internal';
import { DNS_METRICS } from '@lars/dns/internal';
import { Config, DaemonMetrics, type MetricList } from '@lars/reactor';
import { REPORTER_METRICS } from '@lars/reporter/internal';
import { afterAll, describe, expect, it } from 'vitest';
import { promtoolCheckConfig, promtoolCheckRules, promtoolTestRules } from '../../test-support/promtool.js';
import { REPO_ROOT } from '../../test-support/repo-paths.js';

const PROMETHEUS_DIR = join(REPO_ROOT, 'deploy', 'prometheus');
const ALERTS = join(PROMETHEUS_DIR, 'alerts.yml');
const ALERT_TESTS = join(PROMETHEUS_DIR, 'alerts.test.yml');
const SCRAPE_CONFIG = join(PROMETHEUS_DIR, 'prometheus.yml');
const README = join(PROMETHEUS_DIR, 'README.md');
const DASHBOARD = join(REPO_ROOT, 'deploy', 'grafana', 'lars.json');

/** The daemons: registry name (metric prefix `lars_<daemon>_`), metric list, scrape job, conf file. */
const DAEMONS: readonly { daemon: string; list: MetricList; job: string; conf: string }[] = [
  { daemon: 'dns', list: DNS_METRICS, job: 'lars-dns', conf: 'lars_dns.conf' },
  { daemon: 'reporter', list: REPORTER_METRICS, job: 'lars-reporter', conf: 'lars_reporter.conf' },
  { daemon: 'agent', list: AGENT_METRICS, job: 'lars-agent', conf: 'lars_lb_agent.conf' },
];

/** The dashboard's data source: its `DS_PROMETHEUS` variable, as Grafana writes a reference to one. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, not a JS template.
const DS_UID = '${DS_PROMETHEUS}';

/** Series Prometheus adds to every target itself. */
const SCRAPE_SERIES = ['up'] as const;

/** The sample names a metric of this TYPE is exposed under. */
function sampleNames(name: string, type: string): string[] {
  if (type === 'histogram') return [`${name}_bucket`, `${name}_sum`, `${name}_count`];
  if (type === 'summary') return [name, `${name}_sum`, `${name}_count`];
  return [name];
}

/** Labels Prometheus gives every series of a target. */
const TARGET_LABELS = ['job', 'instance'] as const;

/**
 * Every sample name a daemon's /metrics carries, with the labels its series
 * have: its list bound to a DaemonMetrics (the registry a daemon serves, so
 * the prefix, the default process_/nodejs_ metrics and lars_build_info are
 * its own). Names come off the `# TYPE` lines, labels off the samples of one
 * scrape in which every entry has one series (one `worker`/`writer`/`peer`
 * where it is labelled).
 */
async function exportedSeries(daemon: string, list: MetricList): Promise<Map<string, Set<string>>> {
  const histogram = { bounds: [1], counts: [1, 0], sum: 1, count: 1 };
  const values = Object.fromEntries(
    Object.entries(list).map(([key, spec]) => {
      const value = spec.type === 'histogram' ? histogram : 1;
      return [key, 'label' in spec && spec.label !== undefined ? { '0': value } : value];
    }),
  );
  const metrics = new DaemonMetrics(list, { daemon, version: '0.0.0', collect: () => values as never });
  const text = await metrics.metrics();
  const series = new Map<string, Set<string>>();
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    for (const sample of sampleNames(name, type)) series.set(sample, new Set(TARGET_LABELS));
  }
  for (const [, name, labels = ''] of text.matchAll(/^([A-Za-z_:][\w:]*)(?:\{([^}]*)\})? /gm)) {
    for (const [, label] of labels.matchAll(/(\w+)="/g)) series.get(name)?.add(label);
  }
  return series;
}

/** Words of PromQL that are neither a metric nor a function. */
const PROMQL_KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan']);
/** Keywords followed by a label list in parentheses, e.g. `by (instance, le)`. */
const LABEL_LIST = /\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g;

/**
 * The metric names a PromQL expression selects, in order, each once:
 * Grafana variables, strings, label matchers, ranges and label lists are
 * cut first; of the identifiers left, one followed by `(` is a function or
 * an aggregation, a keyword is a keyword, the rest are metric names.
 * Enough for the expressions of these files, not a PromQL parser (promtool
 * checks the syntax).
 */
function promqlMetricNames(expr: string): string[] {
  const bare = expr
    .replace(/\$\{[^}]*\}|\$\w+/g, ' ')
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(LABEL_LIST, ' ');
  const names = new Set<string>();
  // Not after a digit or a dot: the `m` of `5m`, the `e` of `1e3`.
  for (const m of bare.matchAll(/(?<![\w.])[A-Za-z_:][\w:]*/g)) {
    const rest = bare.slice((m.index ?? 0) + m[0].length);
    if (/^\s*\(/.test(rest) || PROMQL_KEYWORDS.has(m[0].toLowerCase())) continue;
    names.add(m[0]);
  }
  return [...names];
}

/**
 * The label names a query relies on: in label matchers, in label lists
 * (`by (...)`, `on (...)`, ...) and in a Grafana legend (`{{worker}}`).
 */
function promqlLabelNames(expr: string, legend = ''): string[] {
  const bare = expr.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""');
  const labels = new Set<string>();
  for (const [list] of bare.matchAll(LABEL_LIST)) {
    for (const [label] of list.slice(list.indexOf('(')).matchAll(/[A-Za-z_]\w*/g)) labels.add(label);
  }
  for (const [, matchers] of bare.matchAll(/\{([^}]*)\}/g)) {
    for (const [, label] of matchers.matchAll(/([A-Za-z_]\w*)\s*(?:=~|!~|!=|=)/g)) labels.add(label);
  }
  for (const [, label] of legend.matchAll(/\{\{\s*(\w+)\s*\}\}/g)) labels.add(label);
  return [...labels];
}

/**
 * The `expr:` of every rule in a rules file written as alerts.yml is: on the
 * key's line, or in a `|` block under it. Not a YAML parser: the test checks
 * that it found one expr per rule.
 */
function ruleExprs(yaml: string): string[] {
  const lines = yaml.split('\n');
  const out: string[] = [];
  lines.forEach((line, i) => {
    const m = /^(\s*)expr:\s*(.*)$/.exec(line);
    if (m === null) return;
    const [, indent, value] = m;
    if (!/^[|>][-+]?$/.test(value)) {
      out.push(value.replace(/^(['"])(.*)\1$/, '$2'));
      return;
    }
    const block: string[] = [];
    for (const next of lines.slice(i + 1)) {
      if (next.trim() !== '' && next.search(/\S/) <= indent.length) break;
      block.push(next.trim());
    }
    out.push(block.join(' ').trim());
  });
  return out;
}

interface DashboardTarget {
  expr?: string;
  legendFormat?: string;
  datasource?: { uid?: string };
}
interface DashboardPanel {
  id: number;
  type: string;
  title: string;
  datasource?: { uid?: string };
  targets?: DashboardTarget[];
  panels?: DashboardPanel[];
}
interface Dashboard {
  panels: DashboardPanel[];
  templating: { list: { name: string; type: string; query?: string | { query: string } }[] };
}

const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as Dashboard;
/** Every panel, those inside collapsed rows too. */
const dashboardPanels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
const queryPanels = dashboardPanels.filter((p) => p.type !== 'row');
const dashboardExprs = queryPanels.flatMap((p) =>
  (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr ?? '', legend: t.legendFormat ?? '' })),
);
const alertsText = readFileSync(ALERTS, 'utf8');
const alertExprs = ruleExprs(alertsText);
/** The input series of alerts.test.yml, as PromQL selectors (`name{labels}`). */
const alertTestSeries = [...readFileSync(ALERT_TESTS, 'utf8').matchAll(/^\s*- series:\s*'([^']*)'/gm)].map(
  ([, series]) => series,
);

/** Grafana's variables as a value PromQL takes, to hand the dashboard's queries to promtool. */
function withGrafanaVariables(expr: string): string {
  return expr.replace(/\$__rate_interval|\$__interval|\$__range/g, '5m').replace(/\$\{?\w+\}?/g, '.*');
}

const scratch = mkdtempSync(join(tmpdir(), 'lars-monitoring-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('promqlMetricNames', () => {
  it('finds the metrics, not the functions, labels, matchers, ranges, variables or numbers', () => {
    expect(
      promqlMetricNames(
        'histogram_quantile(0.99, sum by (instance, le) (rate(lars_agent_get_host_seconds_bucket{job=~"$job", worker!="1"}[$__rate_interval])))',
      ),
    ).toEqual(['lars_agent_get_host_seconds_bucket']);
    expect(
      promqlMetricNames(
        `sum without (worker) (a_total offset 5m) / on (job) group_left(version) lars_build_info > bool 1e-3 and ${DS_UID}`,
      ),
    ).toEqual(['a_total', 'lars_build_info']);
    expect(promqlMetricNames('time() - (b{instance="c:1"} > 0) or up == 0')).toEqual(['b', 'up']);
  });

  it('finds the labels of matchers, label lists and the legend', () => {
    expect(
      promqlLabelNames(
        'sum by (instance, le) (rate(x_bucket{job=~"a,b", peer!="{c=d}"}[5m])) / on(job) y',
        '{{ worker }}',
      ),
    ).toEqual(['instance', 'le', 'job', 'peer', 'worker']);
  });

  it('reports a name no daemon exports', async () => {
    const known = await exportedSeries('dns', DNS_METRICS);
    const names = promqlMetricNames('rate(lars_dns_pushes_total[5m]) + rate(lars_dns_made_up_total[5m])');
    expect(names.filter((n) => !known.has(n))).toEqual(['lars_dns_made_up_total']);
  });
});

describe('ruleExprs', () => {
  it('reads one-line and block exprs', () => {
    const yaml = [
      '      - alert: A',
      '        expr: up == 0',
      '      - alert: B',
      '        expr: |',
      '          sum(rate(x_total[5m]))',
      '            / sum(rate(y_total[5m])) > 0',
      '        for: 5m',
    ].join('\n');
    expect(ruleExprs(yaml)).toEqual(['up == 0', 'sum(rate(x_total[5m])) / sum(rate(y_total[5m])) > 0']);
  });
});

describe('deploy/prometheus', () => {
  it('promtool check rules accepts alerts.yml, and every rule has an expr the test reads', () => {
    const verdict = promtoolCheckRules(ALERTS);
    expect(verdict.problems, verdict.problems.join('\n')).toContainEqual(expect.stringMatching(/SUCCESS/));
    expect(verdict.ok).toBe(true);
    const found = verdict.problems.map((l) => /(\d+) rules found/.exec(l)).find((m) => m !== null);
    expect(Number(found?.[1])).toBe(alertExprs.length);
    expect(alertExprs.length).toBe([...alertsText.matchAll(/^\s*- (?:alert|record):/gm)].length);
  });

  it('the alerts fire as alerts.test.yml expects (promtool test rules)', () => {
    const verdict = promtoolTestRules(ALERT_TESTS);
    expect(verdict.ok, verdict.problems.join('\n')).toBe(true);
  });

  it("README.md's alert table names the alerts of alerts.yml, in order", () => {
    const names = (text: string, re: RegExp) => [...text.matchAll(re)].map(([, name]) => name);
    expect(names(readFileSync(README, 'utf8'), /^\| `(Lars\w+)`/gm)).toEqual(
      names(alertsText, /^\s*- alert:\s*(\S+)/gm),
    );
  });

  it('promtool check config accepts prometheus.yml and the rules file it names', () => {
    const verdict = promtoolCheckConfig(SCRAPE_CONFIG);
    expect(verdict.ok, verdict.problems.join('\n')).toBe(true);
    expect(verdict.problems.join('\n')).toContain('alerts.yml');
  });

  it("scrapes each daemon under its job at its conf file's stats port", () => {
    const text = readFileSync(SCRAPE_CONFIG, 'utf8');
    const jobs = [...text.matchAll(/job_name:\s*(\S+)\s+static_configs:\s+- targets:\s*\["[^":]+:(\d+)"\]/g)];
    const scraped = Object.fromEntries(jobs.map(([, job, port]) => [job, Number(port)]));
    const expected = Object.fromEntries(
      DAEMONS.map((d) => [d.job, Config.load(join(REPO_ROOT, 'conf', d.conf)).getNumber('stats', 'port', 0)]),
    );
    expect(scraped).toEqual(expected);
    expect(Object.values(expected).sort()).toEqual([7788, 7789, 8898]);
  });
});

describe('deploy/grafana/lars.json', () => {
  it('takes its data source, job and instance as variables, and every panel queries through it', () => {
    const variables = Object.fromEntries(dashboard.templating.list.map((v) => [v.name, v.type]));
    expect(variables).toEqual({ DS_PROMETHEUS: 'datasource', job: 'query', instance: 'query' });
    const ids = dashboardPanels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of queryPanels) {
      expect(p.datasource?.uid, p.title).toBe(DS_UID);
      expect(p.targets?.length ?? 0, `${p.title} has no query`).toBeGreaterThan(0);
      for (const t of p.targets ?? []) {
        expect(t.datasource?.uid, p.title).toBe(DS_UID);
        expect(t.expr ?? '', p.title).toMatch(/\$job/);
      }
    }
  });

  it('has queries promtool parses', () => {
    // promtool parses PromQL in rules only: each query becomes a recording rule (JSON is YAML).
    const rules = {
      groups: [
        {
          name: 'dashboard',
          rules: dashboardExprs.map((e, i) => ({ record: `dashboard:query_${i}`, expr: withGrafanaVariables(e.expr) })),
        },
      ],
    };
    const file = join(scratch, 'dashboard-rules.yml');
    writeFileSync(file, JSON.stringify(rules));
    const verdict = promtoolCheckRules(file);
    const queries = dashboardExprs.map((e, i) => `dashboard:query_${i}: ${e.panel}`);
    expect(verdict.ok, [...verdict.problems, ...queries].join('\n')).toBe(true);
  });
});

describe('every metric the rules and the dashboard name is one a daemon exports', async () => {
  /** Sample name -> its labels, over all three daemons and Prometheus's own series. */
  const exported = new Map<string, Set<string>>();
  for (const { daemon, list } of DAEMONS) {
    for (const [name, labels] of await exportedSeries(daemon, list)) exported.set(name, labels);
  }
  for (const name of SCRAPE_SERIES) exported.set(name, new Set(TARGET_LABELS));
  const unknown = (exprs: readonly string[]) =>
    exprs.flatMap((expr) => promqlMetricNames(expr).filter((n) => !exported.has(n)));
  /** Labels a query uses that none of the metrics it names carries. */
  const unknownLabels = (expr: string, legend = '') => {
    const carried = new Set(promqlMetricNames(expr).flatMap((n) => [...(exported.get(n) ?? [])]));
    return promqlLabelNames(expr, legend).filter((l) => !carried.has(l));
  };

  it('knows the names and labels of all three daemons', () => {
    for (const { daemon } of DAEMONS) {
      const own = [...exported.keys()].filter((n) => n.startsWith(`lars_${daemon}_`));
      expect(own.length, daemon).toBeGreaterThan(20);
    }
    expect([...(exported.get('lars_agent_get_host_seconds_bucket') ?? [])].sort()).toEqual([
      'instance',
      'job',
      'le',
      'worker',
    ]);
    expect([...(exported.get('lars_agent_dns_link_up') ?? [])].sort()).toEqual(['instance', 'job', 'peer']);
    expect(exported.has('process_resident_memory_bytes')).toBe(true);
    expect(unknownLabels('sum by (writer) (lars_dns_pushes_total)')).toEqual(['writer']);
  });

  it('alerts.yml', () => {
    for (const expr of alertExprs) expect(promqlMetricNames(expr).length, expr).toBeGreaterThan(0);
    expect(unknown(alertExprs)).toEqual([]);
    expect(alertExprs.flatMap((expr) => unknownLabels(expr))).toEqual([]);
  });

  it('alerts.test.yml input series', () => {
    expect(alertTestSeries.length).toBeGreaterThan(0);
    expect(unknown(alertTestSeries)).toEqual([]);
    expect(alertTestSeries.flatMap((series) => unknownLabels(series))).toEqual([]);
  });

  it('lars.json panels', () => {
    for (const { panel, expr } of dashboardExprs) {
      expect(promqlMetricNames(expr).length, `${panel}: ${expr}`).toBeGreaterThan(0);
    }
    expect(unknown(dashboardExprs.map((e) => e.expr))).toEqual([]);
    const badLabels = dashboardExprs.flatMap(({ panel, expr, legend }) =>
      unknownLabels(expr, legend).map((label) => `${panel}: ${label}`),
    );
    expect(badLabels).toEqual([]);
    const used = dashboardExprs.flatMap((e) => promqlMetricNames(e.expr));
    for (const { daemon } of DAEMONS) {
      expect(
        used.some((n) => n.startsWith(`lars_${daemon}_`)),
        `a panel of ${daemon} metrics`,
      ).toBe(true);
    }
  });

  it('lars.json variables', () => {
    const queries = dashboard.templating.list
      .filter((v) => v.type === 'query')
      .map((v) => (typeof v.query === 'string' ? v.query : (v.query?.query ?? '')));
    expect(queries.length).toBe(2);
    // label_values(METRIC{...}, label): the metric is the first argument.
    const metrics = queries.map((q) => /^label_values\(\s*([A-Za-z_:][\w:]*)/.exec(q)?.[1]);
    expect(metrics.filter((m) => m === undefined || !exported.has(m))).toEqual([]);
  });
});
