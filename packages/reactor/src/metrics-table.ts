import type { MetricList } from './metric-list.js';

/**
 * A metric list as the README's Markdown table (`pnpm docs:metrics` writes
 * it between markers; a test fails when the README differs): one row per
 * entry with its /stats key, its metric name under `prefix` (a label in
 * braces), its type and its HELP text. Columns are padded so the table
 * reads as plain text too.
 */
export function metricsTable(list: MetricList, prefix: string): string {
  const rows = [
    ['`/stats` key', 'metric', 'type', 'meaning'],
    ...Object.entries(list).map(([key, spec]) => {
      const label = 'label' in spec && spec.label !== undefined ? `{${spec.label}}` : '';
      const unit = 'statsUnit' in spec && spec.statsUnit !== undefined ? ` (\`/stats\` in ${spec.statsUnit})` : '';
      return [`\`${key}\``, `\`${prefix}_${spec.name}${label}\``, spec.type, `${spec.help}${unit}`];
    }),
  ];
  const widths = rows[0].map((_, c) => Math.max(3, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) => `| ${cells.map((cell, c) => cell.padEnd(widths[c])).join(' | ')} |`;
  return [line(rows[0]), line(widths.map((w) => '-'.repeat(w))), ...rows.slice(1).map(line)].join('\n');
}
