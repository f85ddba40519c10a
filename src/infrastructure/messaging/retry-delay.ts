/**
 * How long a failed delivery waits before its next attempt: base × 4^(attempt − 1), at most 10 s.
 * With the default 250 ms and 5 attempts a message survives about 15 s of a dependency being
 * down (a database failover) before it is dead-lettered, instead of burning its attempts at once.
 */
export function retryDelayMs(attempt: number, baseMs: number): number {
  return Math.min(baseMs * 4 ** (attempt - 1), 10_000);
}

/** How often a delivery that met a dependency's outage is tried again: readiness returns within 2 s of it. */
export const outageRetryMs = 1_000;
