import type { Logger } from 'pino';
import { outsideLogContext } from '../logger.js';

export interface BackgroundTask {
  /** Run now instead of waiting for the next tick (e.g. right after a commit wrote outbox rows). */
  wake(): void;
  /** Stops scheduling and waits for a run in progress to finish. */
  stop(): Promise<void>;
}

/**
 * Runs `task` every `intervalMs`, never twice at once. A task returns true when it left work
 * behind (a full batch), and then runs again at once. A failing run is retried on the next tick
 * (logged when the failures start and when they end): background work must never crash the process.
 */
export function runInBackground(
  name: string,
  intervalMs: number,
  task: () => Promise<boolean>,
  logger: Logger,
): BackgroundTask {
  let stopped = false;
  let running: Promise<void> | null = null;
  let timer: NodeJS.Timeout | null = null;
  let again = false;
  let failingSince: number | null = null;

  const schedule = (delay: number) => {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    // A wake-up from a message handler must not lend the task that message's log context.
    timer = outsideLogContext(() => setTimeout(tick, delay));
    timer.unref();
  };

  function tick(): void {
    timer = null;
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = (async () => {
      let more = false;
      try {
        more = await task();
        if (failingSince !== null) {
          logger.info({ task: name, failedForMs: Date.now() - failingSince }, 'background task recovered');
          failingSince = null;
        }
      } catch (error) {
        // Once per outage, not on every tick: a database outage would otherwise flood the log.
        if (failingSince === null) {
          failingSince = Date.now();
          logger.warn({ err: error, task: name }, 'background task failed; retrying on every tick');
        }
      }
      running = null;
      const runAgain = more || again;
      again = false;
      schedule(runAgain ? 0 : intervalMs);
    })();
  }

  schedule(0);
  return {
    wake: () => schedule(0),
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
