import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SimulatorProcess {
  child: ChildProcess;
  /** SIGTERM, then waits for the exit (a no-op when it has already exited). */
  stop(): Promise<void>;
}

/**
 * `npm run simulators` as the connected shape runs it: the real entry point in its own process,
 * resolved once it logs that it serves the participant queues. `env` is its whole environment
 * beside PATH (the broker variables, ENV, SIM_*); without database variables it keeps what it did
 * in a SQLite file of its own, removed when it stops.
 */
export async function startSimulatorProcess(env: Record<string, string>): Promise<SimulatorProcess> {
  const directory = mkdtempSync(join(tmpdir(), 'order-simulators-'));
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/simulators-main.ts'], {
    env: { PATH: process.env.PATH, LOG_LEVEL: 'info', SQLITE_PATH: join(directory, 'simulators.db'), ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`simulators did not start:\n${output}`)), 15_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('simulators serving')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return {
    child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
