import { type FieldError, ValidationError } from '../../domain/errors.js';

/**
 * Time windows of the analytics, in epoch milliseconds, UTC. The rollups hold whole hours (and
 * whole days for products), so a window is widened to whole units: `from` down, `to` up.
 */
export const hourMs = 3_600_000;
export const dayMs = 24 * hourMs;
const weekMs = 7 * dayMs;

export type Interval = 'hour' | 'day' | 'week';

/** Bucket width and the instant buckets are counted from: weeks start on Monday 00:00 UTC. */
export const intervals: Record<Interval, { widthMs: number; originMs: number }> = {
  hour: { widthMs: hourMs, originMs: 0 },
  day: { widthMs: dayMs, originMs: 0 },
  week: { widthMs: weekMs, originMs: Date.UTC(1969, 11, 29) },
};

const defaultWindowMs = 30 * dayMs;
/** Buckets one timeseries reply may list. */
export const maxBuckets = 10_000;

export interface Window {
  from: number;
  to: number;
}

export const floorTo = (ms: number, widthMs: number, originMs = 0): number =>
  ms - ((((ms - originMs) % widthMs) + widthMs) % widthMs);

export const ceilTo = (ms: number, widthMs: number, originMs = 0): number => {
  const floor = floorTo(ms, widthMs, originMs);
  return floor === ms ? ms : floor + widthMs;
};

/** The first instant of the UTC calendar month holding `ms`. */
export const floorToMonth = (ms: number): number => {
  const date = new Date(ms);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
};

export const ceilToMonth = (ms: number): number => {
  const floor = floorToMonth(ms);
  if (floor === ms) return ms;
  const date = new Date(floor);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
};

/**
 * Parses `from`/`to` (ISO-8601; default the 30 days up to now) and widens them to whole units.
 * Only a reply that lists buckets passes `maxBuckets`: a summary over years is one row per status.
 */
export function analyticsWindow(
  query: { from?: string; to?: string },
  now: number,
  widthMs: number,
  originMs = 0,
  maxBuckets?: number,
): Window {
  const errors: FieldError[] = [];
  const parse = (field: 'from' | 'to', fallback: () => number) => {
    const text = query[field];
    if (text === undefined) return fallback();
    const ms = Date.parse(text);
    if (Number.isNaN(ms))
      errors.push({ field: `/querystring/${field}`, message: 'must be an ISO-8601 date-time' });
    return ms;
  };
  const to = parse('to', () => now);
  const from = parse('from', () => to - defaultWindowMs);
  if (errors.length === 0 && from >= to) {
    errors.push({ field: '/querystring/from', message: 'must be earlier than to' });
  }
  if (errors.length > 0) throw new ValidationError('The time window is not valid', errors);
  const window = { from: floorTo(from, widthMs, originMs), to: ceilTo(to, widthMs, originMs) };
  if (maxBuckets !== undefined && (window.to - window.from) / widthMs > maxBuckets) {
    throw new ValidationError('The time window is too long for this interval', [
      { field: '/querystring/from', message: `at most ${maxBuckets} buckets per request` },
    ]);
  }
  return window;
}
