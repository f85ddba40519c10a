import { setTimeout as sleep } from 'node:timers/promises';

/** Simulated processing time; zero skips the timer so tests stay synchronous-fast. */
export function simulateLatency(latencyMs: number): Promise<void> {
  return latencyMs > 0 ? sleep(latencyMs) : Promise.resolve();
}
