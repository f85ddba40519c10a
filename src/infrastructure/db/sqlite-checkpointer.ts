import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** 64 MB of 4 KB pages: the WAL length at which the service starts it over (see `onLongWal`). */
export const defaultLongWalFrames = 16_384;

/**
 * Moves the WAL into the database file from a worker thread, on a connection of its own. SQLite
 * otherwise checkpoints inside whichever commit crosses 1,000 WAL pages, and that commit then
 * blocks the event loop for the copy and its fsync: in the embedded bench those commits were the
 * orders above the 99th percentile (p99 11–12 ms to CONFIRMED, 7–8 ms without them). A PASSIVE
 * checkpoint never waits for, nor blocks, the service's readers and writer.
 */
export function startCheckpointer(
  path: string,
  options: {
    /** Called if the worker dies: the caller goes back to checkpointing in its own commits. */
    onFailure: (error: Error) => void;
    /**
     * Called after a checkpoint that found at least `longWalFrames` frames in the WAL. Under a
     * steady stream of commits the WAL is never started over: a writer starts it over only when
     * its transaction begins with every frame already copied, and each of this worker's
     * checkpoints (copy and fsync, ~25 ms at 50 orders/s) ends after more commits have landed.
     * The WAL then grew by ~21 MB/s without end (2026-11-27, docs/benchmarks.md). The caller
     * checkpoints the few frames left on its own connection, between two of its transactions,
     * and its next commit starts the WAL over.
     */
    onLongWal: () => void;
    everyMs?: number;
    longWalFrames?: number;
  },
): { stop(): Promise<void> } {
  const { onFailure, onLongWal, everyMs = 500, longWalFrames = defaultLongWalFrames } = options;
  const worker = new Worker(checkpointLoop, {
    eval: true,
    workerData: {
      module: createRequire(import.meta.url).resolve('better-sqlite3'),
      path,
      everyMs,
      longWalFrames,
    },
  });
  // A failed checkpoint is retried on the next tick (inside the loop); this is the worker itself failing.
  worker.on('error', onFailure);
  worker.on('message', onLongWal);
  worker.unref();
  // Made now, so stopping a worker that has already ended does not wait forever.
  const exited = new Promise((resolve) => worker.once('exit', resolve));
  return {
    async stop() {
      // Held again while it finishes: otherwise a shutdown with nothing else pending would end
      // the process here, before the steps after closing the database (logs, trace export).
      worker.ref();
      worker.postMessage('stop');
      await exited;
    },
  };
}

const checkpointLoop = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.path);
db.pragma('busy_timeout = 5000');
const checkpoint = () => {
  try {
    const [result] = db.pragma('wal_checkpoint(PASSIVE)');
    if (result && result.log >= workerData.longWalFrames) parentPort.postMessage(result.log);
  } catch {}
};
const timer = setInterval(checkpoint, workerData.everyMs);
parentPort.on('message', () => {
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort.close();
});
`;
