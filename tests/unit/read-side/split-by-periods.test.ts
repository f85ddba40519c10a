import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitByPeriods } from '../../../src/infrastructure/db/read-model/order-analytics.js';

const hour = 3_600_000;
const day = 24 * hour;

describe('splitting a window of hours for the hour, day and month rollups', () => {
  it('reads months in the middle, days and hours at the edges', () => {
    const from = Date.UTC(2020, 1, 14, 5);
    const to = Date.UTC(2025, 10, 3, 18);
    expect(splitByPeriods(from, to)).toEqual([
      { period: 'hour', from, to: Date.UTC(2020, 1, 15) },
      { period: 'day', from: Date.UTC(2020, 1, 15), to: Date.UTC(2020, 2, 1) },
      { period: 'month', from: Date.UTC(2020, 2, 1), to: Date.UTC(2025, 10, 1) },
      { period: 'day', from: Date.UTC(2025, 10, 1), to: Date.UTC(2025, 10, 3) },
      { period: 'hour', from: Date.UTC(2025, 10, 3), to },
    ]);
  });

  it('reads only hours within one day', () => {
    const from = Date.UTC(2022, 5, 10, 3);
    expect(splitByPeriods(from, from + 18 * hour)).toEqual([{ period: 'hour', from, to: from + 18 * hour }]);
  });

  it('reads only months for whole months', () => {
    const [from, to] = [Date.UTC(2020, 0, 1), Date.UTC(2026, 0, 1)];
    expect(splitByPeriods(from, to)).toEqual([{ period: 'month', from, to }]);
  });

  it('covers any window exactly once, with each part aligned to its unit and few rows', () => {
    const start = Date.UTC(2019, 0, 1) / hour;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 70_000 }), fc.integer({ min: 1, max: 70_000 }), (a, length) => {
        const [from, to] = [(start + a) * hour, (start + a + length) * hour];
        const parts = splitByPeriods(from, to);
        expect(parts[0]?.from).toBe(from);
        expect(parts.at(-1)?.to).toBe(to);
        parts.forEach((part, i) => {
          expect(part.from).toBeLessThan(part.to);
          if (i > 0) expect(part.from).toBe(parts[i - 1]?.to);
          if (part.period === 'day') expect(part.from % day).toBe(0);
          if (part.period === 'month') expect(new Date(part.from).getUTCDate()).toBe(1);
        });
        // At most 23 hours and 30 days at each edge: the rows read do not grow with the window.
        const rowsRead = parts.reduce(
          (sum, part) =>
            sum +
            (part.period === 'hour'
              ? (part.to - part.from) / hour
              : part.period === 'day'
                ? (part.to - part.from) / day
                : 0),
          0,
        );
        expect(rowsRead).toBeLessThanOrEqual(2 * (23 + 30));
      }),
    );
  });
});
