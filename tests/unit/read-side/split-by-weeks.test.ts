import { describe, expect, it } from 'vitest';
import { splitByWeeks } from '../../../src/infrastructure/db/read-model/order-analytics.js';

const day = 86_400_000;
/** Monday 2026-11-02 00:00 UTC. */
const monday = Date.UTC(2026, 10, 2);

describe('splitting a window of days for the weekly rollup', () => {
  it('takes whole weeks from the weekly rows and the edge days from the daily ones', () => {
    // Thursday Oct 29 up to Wednesday Nov 25: four days, three whole weeks, two days.
    const { weeks, days } = splitByWeeks(monday - 4 * day, monday + 23 * day);
    expect(weeks).toEqual({ from: monday, to: monday + 21 * day });
    expect(days).toEqual([
      { from: monday - 4 * day, to: monday },
      { from: monday + 21 * day, to: monday + 23 * day },
    ]);
  });

  it('reads only weeks when the window is whole weeks', () => {
    const { weeks, days } = splitByWeeks(monday, monday + 14 * day);
    expect(weeks).toEqual({ from: monday, to: monday + 14 * day });
    expect(days.every((edge) => edge.from === edge.to)).toBe(true);
  });

  it.each([
    ['inside one week', monday + day, monday + 4 * day],
    ['across one Monday without a whole week', monday - 2 * day, monday + 3 * day],
  ])('reads only days %s', (_name, from, to) => {
    const { weeks, days } = splitByWeeks(from, to);
    expect(weeks.from).toBe(weeks.to);
    const covered = days.filter((edge) => edge.from < edge.to);
    expect(covered.reduce((sum, edge) => sum + edge.to - edge.from, 0)).toBe(to - from);
    expect(covered.every((edge) => edge.from >= from && edge.to <= to)).toBe(true);
  });
});
