/**
 * The most recent request durations, for the readiness check's p99. A histogram's buckets only
 * give an estimate over the process's whole life; readiness wants "how slow are we right now".
 */
export interface LatencyWindow {
  record(durationMs: number): void;
  /** p99 over the samples of the last `maxAgeMs`; null when there are too few to judge. */
  p99(): { p99Ms: number | null; samples: number };
}

export function createLatencyWindow(
  options: { capacity?: number; maxAgeMs?: number; minSamples?: number; now?: () => number } = {},
): LatencyWindow {
  const { capacity = 1024, maxAgeMs = 60_000, minSamples = 20, now = Date.now } = options;
  const durations = new Float64Array(capacity);
  const times = new Float64Array(capacity);
  let next = 0;
  let filled = 0;

  return {
    record(durationMs) {
      durations[next] = durationMs;
      times[next] = now();
      next = (next + 1) % capacity;
      filled = Math.min(filled + 1, capacity);
    },
    p99() {
      const since = now() - maxAgeMs;
      const recent: number[] = [];
      for (let index = 0; index < filled; index++) {
        if ((times[index] as number) >= since) recent.push(durations[index] as number);
      }
      // A handful of requests says nothing about a percentile; one slow call must not fail readiness.
      if (recent.length < minSamples) return { p99Ms: null, samples: recent.length };
      recent.sort((a, b) => a - b);
      const rank = Math.ceil(0.99 * recent.length) - 1;
      return { p99Ms: recent[rank] as number, samples: recent.length };
    },
  };
}
