// `pnpm docs:metrics`: writes each daemon's metric table into README.md
// between its markers (<!-- metrics:NAME:start --> ... <!-- metrics:NAME:end -->),
// generated from the daemon's metric list, so the README never names a
// counter the daemon does not have. scripts/test/metrics-docs.test.ts fails
// when README.md differs from what this would write.
//   node --conditions=lars-source --import tsx scripts/metrics-docs.ts           rewrite README.md
//   node --conditions=lars-source --import tsx scripts/metrics-docs.ts --check   exit 1 if it is stale
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AGENT_METRICS } from '@lars/agent/internal';
import { DNS_METRICS } from '@lars/dns/internal';
import { REPORTER_METRICS } from '@lars/reporter/internal';
import { WEB_METRICS } from '@lars/web/internal';
import { metricsTable, type MetricList } from '@lars/reactor';

export const README = fileURLToPath(new URL('../README.md', import.meta.url));

/** The generated tables: marker name, metric prefix, list. */
export const METRIC_TABLES: readonly { marker: string; prefix: string; list: MetricList }[] = [
  { marker: 'dns', prefix: 'lars_dns', list: DNS_METRICS },
  { marker: 'agent', prefix: 'lars_agent', list: AGENT_METRICS },
  { marker: 'reporter', prefix: 'lars_reporter', list: REPORTER_METRICS },
  { marker: 'web', prefix: 'lars_web', list: WEB_METRICS },
];

const markers = (name: string) => ({ start: `<!-- metrics:${name}:start -->`, end: `<!-- metrics:${name}:end -->` });

/** `readme` with every table's section regenerated; a missing or misordered marker is an error naming it. */
export function renderReadme(readme: string, tables = METRIC_TABLES): string {
  let out = readme;
  for (const { marker, prefix, list } of tables) {
    const { start, end } = markers(marker);
    const from = out.indexOf(start);
    const to = out.indexOf(end);
    if (from < 0 || to < from) throw new Error(`README.md lacks the markers ${start} ... ${end}`);
    out = `${out.slice(0, from + start.length)}\n\n${metricsTable(list, prefix)}\n\n${out.slice(to)}`;
  }
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const readme = readFileSync(README, 'utf8');
  const fresh = renderReadme(readme);
  if (process.argv.includes('--check')) {
    if (fresh !== readme) {
      process.stderr.write('README.md metric tables are stale: run pnpm docs:metrics\n');
      process.exitCode = 1;
    }
  } else if (fresh !== readme) {
    writeFileSync(README, fresh);
    process.stdout.write('README.md metric tables rewritten\n');
  }
}
