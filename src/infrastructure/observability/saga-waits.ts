import type { CommitObserver } from '../db/unit-of-work.js';

/**
 * Reports, after each commit, how long every order that left PENDING in it waited for its saga
 * (created to confirmed or cancelled), the measure the saga backlog's limit follows.
 */
export function sagaWaits(
  observe: (waitedMs: number, now: number) => void,
  now: () => number,
): CommitObserver {
  return (changes) => {
    for (const { order, events } of changes) {
      for (const event of events) {
        if (event.type !== 'order.status_changed' || event.from !== 'PENDING') continue;
        observe(Math.max(0, event.occurredAt.getTime() - order.createdAt.getTime()), now());
      }
    }
  };
}
