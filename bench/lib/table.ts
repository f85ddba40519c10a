/** One line of the table: what was measured, beside what this machine allows. */
export interface Row {
  row: string;
  measured: string;
  limit: string;
  /** How close to the limit, 1 being at it: measured ÷ limit for throughput, limit ÷ measured for latency. */
  ratio: number | null;
  target: string;
  met: boolean;
}

/**
 * Two decimals, three under 1: the lines under 1 are 0.1, 0.5 and 0.6, and two decimals printed a
 * ratio of 0.098 as "0.10" beside "no".
 */
export function formatRatio(ratio: number | null): string {
  if (ratio === null) return '—';
  return ratio.toFixed(ratio < 1 ? 3 : 2);
}

export function renderTable(rows: readonly Row[]): string {
  const lines = [
    '| row | measured | same machine’s limit, same run | ratio | target | met |',
    '|---|---|---|---:|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.row} | ${r.measured} | ${r.limit || '—'} | ${formatRatio(r.ratio)} | ${r.target} | ${r.met ? 'yes' : '**no**'} |`,
    ),
  ];
  return lines.join('\n');
}
