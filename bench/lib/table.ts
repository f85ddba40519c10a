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

export function renderTable(rows: readonly Row[]): string {
  const lines = [
    '| row | measured | same machine’s limit, same run | ratio | target | met |',
    '|---|---|---|---:|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.row} | ${r.measured} | ${r.limit || '—'} | ${r.ratio === null ? '—' : r.ratio.toFixed(2)} | ${r.target} | ${r.met ? 'yes' : '**no**'} |`,
    ),
  ];
  return lines.join('\n');
}
