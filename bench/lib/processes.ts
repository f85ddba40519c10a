import { type ChildProcess, spawn } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * The processes a benchmark starts: the service (`node --import tsx src/main.ts`), the simulator
 * process, migrations and the bare baseline route. Each runs on this Node with its own
 * environment; its output goes to a file in the run's directory, so a slow reader never holds
 * the measured process back.
 */
export interface Child {
  name: string;
  pid: number;
  /** Resident set size now, in bytes (Linux /proc; 0 elsewhere). */
  rss(): number;
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

export const repoRoot = new URL('../..', import.meta.url).pathname;

export function startNode(
  name: string,
  script: string,
  env: Record<string, string>,
  logDir: string,
  nodeArgs: string[] = [],
): Child {
  const out = openSync(join(logDir, `${name}.log`), 'a');
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', script], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', out, out],
  });
  if (child.pid === undefined) throw new Error(`${name} did not start`);
  const pid = child.pid;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    name,
    pid,
    exited,
    rss() {
      try {
        const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
        return match?.[1] ? Number(match[1]) * 1024 : 0;
      } catch {
        return 0;
      }
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const code = await Promise.race([exited, sleep(30_000, 'timeout' as const)]);
      if (code === 'timeout') {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

/** Runs a script to completion (migrations); fails with its log when it exits non-zero. */
export async function runNode(name: string, script: string, env: Record<string, string>, logDir: string) {
  const code = await startNode(name, script, env, logDir).exited;
  if (code !== 0) throw new Error(`${name} failed:\n${readFileSync(join(logDir, `${name}.log`), 'utf8')}`);
}

/** Waits until `url` answers 200, or fails with the process log when it does not within a minute. */
export async function waitUntilUp(url: string, child: Child, logDir: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (child.rss() === 0) break;
    await sleep(200);
  }
  const log = readFileSync(join(logDir, `${child.name}.log`), 'utf8');
  throw new Error(`${child.name} did not come up at ${url}:\n${log.slice(-3000)}`);
}
