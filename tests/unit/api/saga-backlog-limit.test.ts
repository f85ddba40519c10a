import { describe, expect, it } from 'vitest';
import {
  fixedBacklogLimit,
  sagaBacklogLimit,
  targetBacklogLimit,
} from '../../../src/api/saga-backlog-limit.js';

/**
 * A saga that settles `perSecond` orders a second, held at the limit (full) or not: each
 * one-second window, admission reads the backlog ten times and `settled` orders leave it after
 * `waitedMs` each. Returns the limit after each window.
 */
function windows(
  limit: ReturnType<typeof targetBacklogLimit>,
  count: number,
  window: (current: number) => { backlog: number; full: boolean; settled: number; waitedMs: number },
  start = 0,
) {
  const seen: number[] = [];
  for (let w = 0; w < count; w += 1) {
    const at = start + w * 1_000;
    const { backlog, full, settled, waitedMs } = window(limit.current(at));
    for (let i = 0; i < 10; i += 1) limit.sawBacklog(backlog, full, at + i * 100);
    for (let i = 0; i < settled; i += 1) limit.sawSettled(waitedMs, at + 500);
    seen.push(limit.current(at + 1_000));
  }
  return seen;
}

describe('the saga backlog limit', () => {
  it('is off at a limit of 0, and the fixed count when no target is set', () => {
    expect(sagaBacklogLimit(0, 500)).toBeUndefined();
    const fixed = sagaBacklogLimit(80, 0) ?? fixedBacklogLimit(-1);
    fixed.sawBacklog(80, true, 0);
    fixed.sawSettled(5_000, 0);
    expect(fixed.current(10_000)).toBe(80);
  });

  it('starts at the most allowed and stays there while the backlog never fills, however slow orders are', () => {
    const limit = targetBacklogLimit({ max: 80, targetMs: 500 });
    // 50 orders a second arriving, each waiting 2 s: the saga's pace is unknown below the limit.
    const seen = windows(limit, 5, () => ({ backlog: 10, full: false, settled: 50, waitedMs: 2_000 }));
    expect(seen).toEqual([80, 80, 80, 80, 80]);
  });

  it('settles where a newly admitted order waits about the target, once the backlog is full', () => {
    const limit = targetBacklogLimit({ max: 80, targetMs: 500 });
    // The saga confirms 100 a second: a full backlog of L orders waits L ÷ 100 s.
    const seen = windows(limit, 8, (current) => ({
      backlog: current,
      full: true,
      settled: 100,
      waitedMs: (current / 100) * 1_000,
    }));
    expect(seen[0]).toBe(65);
    expect(seen.every((value, i) => i === 0 || value <= (seen[i - 1] as number))).toBe(true);
    expect(seen.at(-1)).toBeGreaterThanOrEqual(50);
    expect(seen.at(-1)).toBeLessThanOrEqual(51);
  });

  it('never goes above the most allowed when the saga is fast', () => {
    const limit = targetBacklogLimit({ max: 80, targetMs: 500 });
    const seen = windows(limit, 3, (current) => ({
      backlog: current,
      full: true,
      settled: 300,
      waitedMs: (current / 300) * 1_000,
    }));
    expect(seen).toEqual([80, 80, 80]);
  });

  it('rises again when the saga speeds up', () => {
    const limit = targetBacklogLimit({ max: 80, targetMs: 500 });
    const slow = windows(limit, 6, (current) => ({
      backlog: current,
      full: true,
      settled: 60,
      waitedMs: (current / 60) * 1_000,
    }));
    expect(slow.at(-1)).toBeLessThanOrEqual(32);
    const fast = windows(
      limit,
      6,
      (current) => ({ backlog: current, full: true, settled: 200, waitedMs: (current / 200) * 1_000 }),
      6_000,
    );
    expect(fast.at(-1)).toBe(80);
  });

  it('at most halves in one window of orders that waited out an outage, and never drops below its floor', () => {
    const limit = targetBacklogLimit({ max: 80, targetMs: 500, floor: 8 });
    const [afterOutage] = windows(limit, 1, () => ({
      backlog: 80,
      full: true,
      settled: 80,
      waitedMs: 60_000,
    }));
    expect(afterOutage).toBe(40);
    const later = windows(
      limit,
      5,
      () => ({ backlog: 80, full: true, settled: 80, waitedMs: 60_000 }),
      1_000,
    );
    expect(later.at(-1)).toBe(8);
  });

  it('moves on no fewer settled orders than a window needs to tell the pace', () => {
    const limit = targetBacklogLimit({ max: 80, targetMs: 500, minSamples: 20 });
    const seen = windows(limit, 3, () => ({ backlog: 80, full: true, settled: 19, waitedMs: 5_000 }));
    expect(seen).toEqual([80, 80, 80]);
  });

  it('reads the median wait, so a few orders held up by retries do not close the door', () => {
    const limit = targetBacklogLimit({ max: 80, targetMs: 500 });
    for (let i = 0; i < 10; i += 1) limit.sawBacklog(80, true, i * 100);
    // 100 a second at 80 waiting: 0.8 s each, but for three that waited 30 s.
    for (let i = 0; i < 97; i += 1) limit.sawSettled(800, 500);
    for (let i = 0; i < 3; i += 1) limit.sawSettled(30_000, 500);
    expect(limit.current(1_000)).toBe(65);
  });
});
