import { describe, expect, it } from 'vitest';
import {
  analyticsWindow,
  ceilToMonth,
  dayMs,
  floorToMonth,
  hourMs,
  intervals,
  maxBuckets,
} from '../../../src/application/queries/analytics-window.js';
import { ValidationError } from '../../../src/domain/errors.js';

const at = (iso: string) => Date.parse(iso);

describe('the analytics window', () => {
  it('widens from down and to up to whole hours', () => {
    expect(analyticsWindow({ from: '2026-03-02T10:15:00Z', to: '2026-03-02T12:00:01Z' }, 0, hourMs)).toEqual({
      from: at('2026-03-02T10:00:00Z'),
      to: at('2026-03-02T13:00:00Z'),
    });
  });

  it('keeps bounds that are already whole', () => {
    expect(analyticsWindow({ from: '2026-03-02T00:00:00Z', to: '2026-03-04T00:00:00Z' }, 0, dayMs)).toEqual({
      from: at('2026-03-02T00:00:00Z'),
      to: at('2026-03-04T00:00:00Z'),
    });
  });

  it('starts weeks on Monday 00:00 UTC', () => {
    const { widthMs, originMs } = intervals.week;
    // 2026-03-05 is a Thursday; its week starts on Monday 2026-03-02.
    const window = analyticsWindow(
      { from: '2026-03-05T18:00:00Z', to: '2026-03-06T00:00:00Z' },
      0,
      widthMs,
      originMs,
    );
    expect(new Date(window.from).toISOString()).toBe('2026-03-02T00:00:00.000Z');
    expect(new Date(window.to).toISOString()).toBe('2026-03-09T00:00:00.000Z');
  });

  it('defaults to the 30 days up to now', () => {
    const now = at('2026-11-25T10:30:00Z');
    expect(analyticsWindow({}, now, hourMs)).toEqual({
      from: at('2026-10-26T10:00:00Z'),
      to: at('2026-11-25T11:00:00Z'),
    });
  });

  it('refuses a window that ends before it starts', () => {
    expect(() =>
      analyticsWindow({ from: '2026-03-02T00:00:00Z', to: '2026-03-01T00:00:00Z' }, 0, hourMs),
    ).toThrow(ValidationError);
  });

  it('refuses more than the bucket limit it is given', () => {
    expect(() =>
      analyticsWindow({ from: '2020-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z' }, 0, hourMs, 0, maxBuckets),
    ).toThrow(/too long/);
  });

  it('takes any length without a bucket limit (a summary lists no buckets)', () => {
    expect(analyticsWindow({ from: '2020-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z' }, 0, hourMs)).toEqual({
      from: Date.UTC(2020, 0, 1),
      to: Date.UTC(2026, 0, 1),
    });
  });

  it('floors and ceils to UTC calendar months', () => {
    expect(new Date(floorToMonth(Date.UTC(2024, 1, 29, 13))).toISOString()).toBe('2024-02-01T00:00:00.000Z');
    expect(new Date(ceilToMonth(Date.UTC(2024, 11, 31, 23))).toISOString()).toBe('2025-01-01T00:00:00.000Z');
    expect(ceilToMonth(Date.UTC(2024, 2, 1))).toBe(Date.UTC(2024, 2, 1));
  });
});
