import { monitorEventLoopDelay } from 'node:perf_hooks';
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

/** Pings the database, bounded by `timeoutMs`; a ping still running is shared by concurrent callers. */
export function databaseCheck(ping: (timeoutMs: number) => Promise<unknown>, timeoutMs: number): Check {
  const timedPing = cachedProbe(
    async () => {
      const started = performance.now();
      await ping(timeoutMs);
      return performance.now() - started;
    },
    { ttlMs: 0, timeoutMs },
  );
  return async () => ({ status: 'ok', latencyMs: round(await timedPing()) });
}

/**
 * Not connected since start-up fails (the topology may not exist, no reply can be consumed); a
 * connection lost later is `degraded`: orders are still taken, their messages wait in the outbox
 * (whose own check fails if the backlog grows past its threshold) and leave on the reconnect.
 */
export function brokerCheck(
  broker: 'rabbitmq' | 'in-process',
  state: () => 'connected' | 'connecting' | 'lost',
): Check {
  return () => {
    const connection = state();
    if (connection === 'connected') return { status: 'ok', broker };
    return connection === 'lost'
      ? { status: 'degraded', broker, detail: 'connection lost; reconnecting, messages wait in the outbox' }
      : { status: 'fail', broker, detail: 'not connected yet; retrying' };
  };
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
    // The database check owns "the database does not answer"; this one judges the backlog only.
    const read = await backlog().then(
      (value) => value,
      (error: unknown) => error,
    );
    if (read instanceof Error || read === undefined) {
      return { status: 'unknown', error: read instanceof Error ? read.message : 'no answer', threshold };
    }
    const { count, oldestAgeSeconds } = read as { count: number; oldestAgeSeconds: number };
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
