import { describe, expect, it } from 'vitest';
import {
  fixedBacklogLimit,
  type SagaBacklogLimit,
  sagaBacklogLimit,
  targetBacklogLimit,
} from '../../../src/api/saga-backlog-limit.js';

interface Window {
  backlog: number;
  full: boolean;
  settled: number;
  waitedMs: number;
}

/**
 * One-second windows from `start`: in each, admission reads the backlog ten times and `settled`
 * orders leave it after `waitedMs` each. Returns the limit after each window.
 */
function windows(limit: SagaBacklogLimit, count: number, window: (current: number) => Window, start = 0) {
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

/** A saga of `ownMs` per order that settles at most `perSecond`, held at the limit: each order waits the longer of the two. */
const saturated =
  (ownMs: number, perSecond: number) =>
  (current: number): Window => {
    const waitedMs = Math.max(ownMs, (current / perSecond) * 1_000);
    return { backlog: current, full: true, settled: Math.round((current / waitedMs) * 1_000), waitedMs };
  };

/** A limit that has seen the saga unhurried: a window of 50 orders each done in `ownMs`, five waiting. */
function afterUnhurried(ownMs: number, options: { minSamples?: number; floor?: number } = {}) {
  const limit = targetBacklogLimit({ max: 80, targetMs: 500, ...options });
  windows(limit, 1, () => ({ backlog: 5, full: false, settled: 50, waitedMs: ownMs }));
  return limit;
}

describe('the saga backlog limit', () => {
  it('is off at a limit of 0, and the fixed count when no target is set', () => {
    expect(sagaBacklogLimit(0, 500)).toBeUndefined();
    const fixed = sagaBacklogLimit(80, 0) ?? fixedBacklogLimit(-1);
    fixed.sawBacklog(80, true, 0);
    fixed.sawSettled(5_000, 0);
    expect(fixed.current(10_000)).toBe(80);
  });

  it('stays at the most allowed while the backlog never fills, however slow orders are', () => {
    const limit = afterUnhurried(100);
    const seen = windows(limit, 5, () => ({ backlog: 10, full: false, settled: 50, waitedMs: 2_000 }), 1_000);
    expect(seen).toEqual([80, 80, 80, 80, 80]);
  });

  it('stays at the most allowed until it has seen the saga unhurried, so it cannot mistake a slow saga for a queue', () => {
    const limit = targetBacklogLimit({ max: 80, targetMs: 500 });
    expect(windows(limit, 4, saturated(100, 100))).toEqual([80, 80, 80, 80]);
    // A window that was not full but held over half the limit is not unhurried either.
    windows(limit, 1, () => ({ backlog: 50, full: false, settled: 50, waitedMs: 100 }), 4_000);
    expect(windows(limit, 2, saturated(100, 100), 5_000)).toEqual([80, 80]);
  });

  it('settles where an admitted order waits the saga’s own time plus the target, once the backlog is full', () => {
    // 100 ms of its own and 100 orders a second at most: 100 × (0.1 + 0.5) s = 60 orders.
    const limit = afterUnhurried(100);
    const seen = windows(limit, 8, saturated(100, 100), 1_000);
    expect(seen[0]).toBe(70);
    expect(seen.every((value, i) => i === 0 || value <= (seen[i - 1] as number))).toBe(true);
    expect(seen.at(-1)).toBeGreaterThanOrEqual(60);
    expect(seen.at(-1)).toBeLessThanOrEqual(61);
  });

  it('does not take the saga’s own time from the window after a full one, while its queue drains', () => {
    const limit = afterUnhurried(100);
    windows(limit, 1, saturated(100, 100), 1_000);
    // The queue drains: a short backlog, but every order had waited behind the others.
    windows(limit, 1, () => ({ backlog: 10, full: false, settled: 70, waitedMs: 700 }), 2_000);
    // Still 100 ms of its own: 100 × (0.1 + 0.5) s, halfway from 70.
    expect(windows(limit, 1, saturated(100, 100), 3_000)).toEqual([65]);
  });

  it('does not throttle a saga that is slow by nature', () => {
    // A card gateway of two seconds: 80 orders in flight are 40 a second, each waiting only its own time.
    const limit = afterUnhurried(2_000);
    expect(windows(limit, 4, saturated(2_000, 40), 1_000)).toEqual([80, 80, 80, 80]);
  });

  it('never goes above the most allowed when the saga is fast', () => {
    const limit = afterUnhurried(100);
    expect(windows(limit, 3, saturated(100, 300), 1_000)).toEqual([80, 80, 80]);
  });

  it('rises again when the saga speeds up', () => {
    const limit = afterUnhurried(100);
    const slow = windows(limit, 6, saturated(100, 60), 1_000);
    expect(slow.at(-1)).toBeLessThanOrEqual(38);
    const fast = windows(limit, 6, saturated(100, 200), 7_000);
    expect(fast.at(-1)).toBe(80);
  });

  it('at most halves in one window of orders that waited out an outage, and never drops below its floor', () => {
    const limit = afterUnhurried(100, { floor: 8 });
    const outage = () => ({ backlog: 80, full: true, settled: 80, waitedMs: 60_000 });
    expect(windows(limit, 1, outage, 1_000)).toEqual([40]);
    expect(windows(limit, 5, outage, 2_000).at(-1)).toBe(8);
  });

  it('moves on no fewer settled orders than a window needs to tell the pace', () => {
    const limit = afterUnhurried(100, { minSamples: 20 });
    const seen = windows(limit, 3, () => ({ backlog: 80, full: true, settled: 19, waitedMs: 5_000 }), 1_000);
    expect(seen).toEqual([80, 80, 80]);
  });

  it('reads the median wait, so a few orders held up by retries do not close the door', () => {
    const limit = afterUnhurried(100);
    for (let i = 0; i < 10; i += 1) limit.sawBacklog(80, true, 1_000 + i * 100);
    // 100 a second at 80 waiting: 0.8 s each, but for three that waited 30 s.
    for (let i = 0; i < 97; i += 1) limit.sawSettled(800, 1_500);
    for (let i = 0; i < 3; i += 1) limit.sawSettled(30_000, 1_500);
    // 80 ÷ 0.8 s × (0.1 + 0.5) s = 60; halfway from 80.
    expect(limit.current(2_000)).toBe(70);
  });
});
