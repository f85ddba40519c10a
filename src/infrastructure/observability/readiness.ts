import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { LatencyWindow } from './latency-window.js';
import { cachedProbe } from './probe.js';

/** One dependency's state; the other fields say what was measured. */
export interface CheckResult {
  /** `degraded` and `unknown` are reported but never fail readiness. */
  status: 'ok' | 'fail' | 'degraded' | 'unknown';
  [detail: string]: unknown;
}

export type Check = () => Promise<CheckResult> | CheckResult;

export interface ReadinessReport {
  status: 'ok' | 'fail';
  checks: Record<string, CheckResult>;
  /** Names of the failing checks, so a probe log says why at a glance. */
  failing: string[];
}

export interface Readiness {
  report(): Promise<ReadinessReport>;
  close(): void;
}

/**
 * Runs every check at most once per `ttlMs` (callers in between get the same report), so a load
 * balancer and an orchestrator can both poll every second without adding load.
 */
export function createReadiness(
  checks: Record<string, Check>,
  options: { ttlMs?: number; onClose?: () => void } = {},
): Readiness {
  const evaluate = async (): Promise<ReadinessReport> => {
    const entries = await Promise.all(
      Object.entries(checks).map(async ([name, check]): Promise<[string, CheckResult]> => {
        try {
          return [name, await check()];
        } catch (error) {
          return [name, { status: 'fail', error: error instanceof Error ? error.message : String(error) }];
        }
      }),
    );
    const failing = entries.filter(([, result]) => result.status === 'fail').map(([name]) => name);
    return { status: failing.length === 0 ? 'ok' : 'fail', checks: Object.fromEntries(entries), failing };
  };
  return {
    // Each check bounds its own time; the outer timeout only guards against a check that forgot to.
    report: cachedProbe(evaluate, { ttlMs: options.ttlMs ?? 1000, timeoutMs: 10_000 }),
    close: () => options.onClose?.(),
  };
}

/** Pings the database; a ping still running is shared, so a hung server does not drain the pool. */
export function databaseCheck(ping: () => Promise<unknown>, timeoutMs: number): Check {
  const timedPing = cachedProbe(
    async () => {
      const started = performance.now();
      await ping();
      return performance.now() - started;
    },
    { ttlMs: 0, timeoutMs },
  );
  return async () => ({ status: 'ok', latencyMs: round(await timedPing()) });
}

export function brokerCheck(broker: 'rabbitmq' | 'in-process', isConnected: () => boolean): Check {
  return () => ({ status: isConnected() ? 'ok' : 'fail', broker });
}

export function memoryCheck(limitBytes: number): Check {
  return () => {
    const { rss, heapUsed, heapTotal } = process.memoryUsage();
    return {
      status: rss <= limitBytes ? 'ok' : 'fail',
      rssBytes: rss,
      heapUsedBytes: heapUsed,
      heapTotalBytes: heapTotal,
      limitBytes,
    };
  };
}

export function latencyCheck(window: LatencyWindow, thresholdMs: number): Check {
  return () => {
    const { p99Ms, samples } = window.p99();
    return {
      status: p99Ms === null || p99Ms <= thresholdMs ? 'ok' : 'fail',
      p99Ms: p99Ms === null ? null : round(p99Ms),
      samples,
      thresholdMs,
    };
  };
}

/** Event-loop delay since the previous check (p99 and max); `stop` releases the monitor. */
export function eventLoopCheck(thresholdMs: number): { check: Check; stop(): void } {
  // 0 turns the check off (HEALTH_EVENT_LOOP_DELAY_MS=0), as it turns off load shedding.
  if (thresholdMs === 0) return { check: () => ({ status: 'ok', detail: 'off' }), stop: () => undefined };
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  return {
    check: () => {
      const p99Ms = histogram.percentile(99) / 1e6;
      const maxMs = histogram.max / 1e6;
      histogram.reset();
      return {
        status: p99Ms <= thresholdMs ? 'ok' : 'fail',
        p99Ms: round(p99Ms),
        maxMs: round(maxMs),
        thresholdMs,
      };
    },
    stop: () => histogram.disable(),
  };
}

export function outboxCheck(
  backlog: () => Promise<{ count: number; oldestAgeSeconds: number }>,
  threshold: number,
): Check {
  return async () => {
    const { count, oldestAgeSeconds } = await backlog();
    return {
      status: count <= threshold ? 'ok' : 'fail',
      backlog: count,
      oldestAgeSeconds: round(oldestAgeSeconds),
      threshold,
    };
  };
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
