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
 * behind (a full batch), and then runs again at once. A failing run is logged and retried on the
 * next tick: background work must never crash the process.
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
      } catch (error) {
        logger.error({ err: error, task: name }, 'background task failed; retrying on the next tick');
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
