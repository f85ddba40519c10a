import { describe, expect, it } from 'vitest';
import { formatRatio, renderTable } from '../../bench/lib/table.js';

describe("npm run bench's table", () => {
  it('prints a ratio under 1 with three decimals, so one just under its line does not read as on it', () => {
    expect(formatRatio(0.098)).toBe('0.098');
    expect(formatRatio(0.4971)).toBe('0.497');
    expect(formatRatio(1.876)).toBe('1.88');
    expect(formatRatio(null)).toBe('—');
  });

  it('marks a row that missed its target in bold', () => {
    const table = renderTable([
      { row: '2. x', measured: '174/s', limit: '1774 tx/s', ratio: 0.098, target: 'ratio ≥ 0.1', met: false },
    ]);
    expect(table.split('\n')[2]).toBe('| 2. x | 174/s | 1774 tx/s | 0.098 | ratio ≥ 0.1 | **no** |');
  });
});
