import { type ChildProcess, spawn } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * The processes a benchmark starts: the service as the image runs it (compiled, `node <flags>
 * dist/src/main.js`, see `deployedService`), the simulator process, migrations and the bare
 * baseline route. Each runs on this Node with its own environment; its output goes to a file in
 * the run's directory, so a slow reader never holds the measured process back. A `.ts` script
 * runs through tsx, a `.js` one as it is.
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

const repoRoot = new URL('../..', import.meta.url).pathname;

export function startNode(
  name: string,
  script: string,
  env: Record<string, string>,
  logDir: string,
  nodeArgs: string[] = [],
  args: string[] = [],
): Child {
  const out = openSync(join(logDir, `${name}.log`), 'a');
  const loader = script.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, ...loader, script, ...args], {
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

/**
 * The service's command line as the image runs it: the Dockerfile's `CMD ["node", …flags,
 * "dist/src/main.js"]`, read from the Dockerfile itself, so the measured process is the deployed
 * one (compiled code, the same V8 flags) and a flag changed there is the flag benchmarked.
 */
export function deployedService(): { nodeArgs: string[]; script: string } {
  const dockerfile = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8');
  const cmd = [...dockerfile.matchAll(/^CMD\s+(\[.*\])\s*$/gm)].at(-1)?.[1];
  const argv: unknown = cmd ? JSON.parse(cmd) : undefined;
  if (!Array.isArray(argv) || argv[0] !== 'node' || !argv.every((arg) => typeof arg === 'string')) {
    throw new Error(`The Dockerfile's CMD is not ["node", …, script]: ${cmd}`);
  }
  const [, ...rest] = argv as string[];
  const script = rest.pop();
  if (!script?.endsWith('.js')) throw new Error(`The Dockerfile's CMD runs no compiled script: ${cmd}`);
  return { nodeArgs: rest, script };
}

/** Compiles src/ and scripts/ into dist/ as the image's build stage does (`tsc -p tsconfig.build.json`). */
export async function buildDist(logDir: string): Promise<void> {
  await runNode('build', 'node_modules/typescript/bin/tsc', {}, logDir, ['-p', 'tsconfig.build.json']);
}

/** Runs a script to completion (migrations); fails with its log when it exits non-zero. */
export async function runNode(
  name: string,
  script: string,
  env: Record<string, string>,
  logDir: string,
  args: string[] = [],
) {
  const code = await startNode(name, script, env, logDir, [], args).exited;
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

/**
 * The service as the image runs it (deployedService), with what every bench run sets: production,
 * no rate limit, the run's JWT secret, a free port on 127.0.0.1. Resolves once it answers; a
 * service that does not come up is stopped before the error goes on.
 */
export async function startService(
  name: string,
  options: { secret: string; env: Record<string, string>; nodeArgs?: string[] },
  logDir: string,
): Promise<{ service: Child; url: string }> {
  const deployed = deployedService();
  const port = await freePort();
  const service = startNode(
    name,
    deployed.script,
    {
      ENV: 'production',
      JWT_SECRET: options.secret,
      PORT: String(port),
      HOST: '127.0.0.1',
      RATE_LIMIT_MAX: '0',
      ...options.env,
    },
    logDir,
    [...deployed.nodeArgs, ...(options.nodeArgs ?? [])],
  );
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitUntilUp(`${url}/health/live`, service, logDir);
  } catch (error) {
    await service.stop();
    throw error;
  }
  return { service, url };
}

/** A port free on 127.0.0.1 right now, for a process the bench starts. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** `KEY=value,KEY=value` (a value may hold `=`) as an environment, as BENCH_SERVICE_ENV takes it. */
export function envList(list: string | undefined): Record<string, string> {
  return Object.fromEntries(
    (list ?? '')
      .split(',')
      .filter(Boolean)
      .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)] as const),
  );
}
