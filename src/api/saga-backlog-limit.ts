/**
 * How many orders may wait for their saga right now. Admission (plugins/admission.ts) asks it
 * before each POST and tells it what it saw; the saga tells it how long each order waited.
 * Every time is passed in, so the rule is a plain function of what was observed.
 */
export interface SagaBacklogLimit {
  /** The most orders that may be PENDING now. */
  current(now: number): number;
  /** A count of the backlog as admission saw it, and whether that left a request waiting or refused. */
  sawBacklog(pending: number, full: boolean, now: number): void;
  /** An order that left PENDING (confirmed or cancelled) after `waitedMs` in the saga. */
  sawSettled(waitedMs: number, now: number): void;
}

/** SAGA_BACKLOG_LIMIT and SAGA_BACKLOG_TARGET_MS as a limit; undefined when the guard is off (a limit of 0). */
export function sagaBacklogLimit(max: number, targetMs: number): SagaBacklogLimit | undefined {
  if (max <= 0) return undefined;
  return targetMs > 0 ? targetBacklogLimit({ max, targetMs }) : fixedBacklogLimit(max);
}

export function fixedBacklogLimit(limit: number): SagaBacklogLimit {
  return { current: () => limit, sawBacklog: () => undefined, sawSettled: () => undefined };
}

export interface TargetOptions {
  /** The most orders that may wait, whatever the saga's pace (SAGA_BACKLOG_LIMIT). */
  max: number;
  /** How much longer than the saga's own time an order may wait when orders arrive faster than it confirms them. */
  targetMs: number;
  /** Never below this, so a few slow orders cannot shut the door. */
  floor?: number;
  windowMs?: number;
  /** Fewer settled orders than this in a window tell too little about the saga's pace. */
  minSamples?: number;
}

/**
 * A fixed count bounds the time to CONFIRMED only on the machine it was sized on: 80 waiting
 * orders are 0.3 s of work where the saga confirms 250 a second and 0.8 s where it confirms 100
 * (docs/benchmarks.md). So once the backlog is full, the limit follows the saga's measured pace.
 * By Little's law the saga settles orders at (mean backlog) ÷ (time an order waits); a backlog of
 * that pace × (the saga's own time + `targetMs`) keeps it busy and adds about `targetMs` of
 * queueing to each order.
 *
 * The saga's own time is the median wait of a window in which the backlog stayed under half the
 * limit, and that did not follow a full one (whose queue may still be draining): the orders then
 * waited for the participants, not behind each other. Until such a window has been seen the
 * limit stays at `max`: without it, a saga that is slow by nature (a card gateway that takes two
 * seconds) would look congested, and the limit would shrink its throughput.
 *
 * The limit moves only after a window in which the backlog was full: below the limit, the orders
 * that settle show how fast they arrive, not how fast the saga could go. Each step goes halfway
 * to the new estimate, so one window of orders that waited out an outage at most halves the
 * limit, and the next full window corrects it. The median resists the odd order held up by a retry.
 */
export function targetBacklogLimit(options: TargetOptions): SagaBacklogLimit {
  const { max, targetMs } = options;
  const floor = Math.min(max, options.floor ?? 8);
  const windowMs = options.windowMs ?? 1_000;
  const minSamples = options.minSamples ?? 20;
  // Bounds the memory a window holds at any rate; the median of the first ones serves.
  const maxSamples = 2_000;

  let limit = max;
  let sagaOwnMs: number | null = null;
  let windowStart: number | null = null;
  let backlogSum = 0;
  let backlogReads = 0;
  let full = false;
  let fullBefore = false;
  let waits: number[] = [];

  const closeWindow = () => {
    if (backlogReads > 0 && waits.length >= minSamples) {
      const meanBacklog = backlogSum / backlogReads;
      const medianWait = Math.max(1, median(waits));
      if (!full && !fullBefore && meanBacklog < limit / 2) {
        sagaOwnMs = sagaOwnMs === null ? medianWait : (sagaOwnMs + medianWait) / 2;
      } else if (full && sagaOwnMs !== null) {
        const estimate = (meanBacklog / medianWait) * (sagaOwnMs + targetMs);
        limit = Math.round(Math.min(max, Math.max(floor, (limit + estimate) / 2)));
      }
    }
    fullBefore = full;
    backlogSum = 0;
    backlogReads = 0;
    full = false;
    waits = [];
  };
  const advance = (now: number) => {
    if (windowStart === null) windowStart = now;
    if (now - windowStart < windowMs) return;
    closeWindow();
    windowStart = now;
  };

  return {
    current(now) {
      advance(now);
      return limit;
    },
    sawBacklog(pending, wasFull, now) {
      advance(now);
      backlogSum += pending;
      backlogReads += 1;
      full ||= wasFull;
    },
    sawSettled(waitedMs, now) {
      advance(now);
      if (waits.length < maxSamples) waits.push(waitedMs);
    },
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}
