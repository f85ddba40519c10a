import type { MessageBus } from './bus.js';

/**
 * Keeps the broker's outages out of the participants' deadlines (saga steps, shipments' stock
 * commits). A command confirmed just before the broker went away reaches its participant, or the
 * participant's reply reaches us, only once the broker is back: a 45 s outage cancelled such
 * orders as "timed out" although the participant had answered within milliseconds. While the
 * broker is unreachable, and for one step timeout after it returns (time for redelivered commands
 * and replies to arrive), deadlines count only up to the moment the outage began: what was
 * overdue then is given up, everything else waits.
 *
 * The connection state is sampled at each sweep; an outage is taken to start at the last sweep
 * that still saw the broker connected, so a step is never cut short by the sampling.
 */
export function brokerOutageWindow(
  bus: Pick<MessageBus, 'connectionState'>,
  stepTimeoutMs: number,
  now: () => number = Date.now,
) {
  let lastSeenConnected: number | null = null;
  /** Start of the earliest outage whose grace has not run out yet. */
  let protectedSince: number | null = null;
  /** When the broker came back; null while it is still away. */
  let backAt: number | null = null;

  return {
    /** The moment deadlines count up to: now, or the start of an outage still in its grace. */
    deadlinesRunUntil(): Date {
      const at = now();
      if (bus.connectionState() === 'connected') {
        if (protectedSince !== null && backAt === null) backAt = at;
        if (backAt !== null && at - backAt >= stepTimeoutMs) {
          protectedSince = null;
          backAt = null;
        }
        lastSeenConnected = at;
      } else {
        // A new outage after the last one's grace ran out starts a new window; one within it extends it.
        if (protectedSince === null) protectedSince = lastSeenConnected ?? at;
        backAt = null;
      }
      return new Date(protectedSince === null ? at : Math.min(at, protectedSince));
    },
  };
}
