import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';

const run = promisify(execFile);

interface Started {
  child: ChildProcess;
  base: string;
  /** The pid of the node process that serves, from its own log line. */
  pid: number;
  exited: Promise<unknown>;
}

const running: Started[] = [];
const directories: string[] = [];
afterEach(async () => {
  for (const { child, pid, exited } of running.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      // npm does not pass a signal on to the script it runs: killing npm alone would leave the
      // server running. End the server itself; npm exits after it.
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
      child.kill('SIGKILL');
      await exited;
    }
  }
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

/** `npm start` as a newcomer runs it (embedded shape, no JWT_SECRET), on a free port, data in a temp directory; ENV=test for JSON logs. */
async function npmStart(directory: string): Promise<Started> {
  const child = spawn('npm', ['start'], {
    env: {
      ...process.env,
      ENV: 'test',
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
      PORT: '0',
      ...embedded(directory),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit');
  let output = '';
  const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`npm start exited with ${code}:\n${output}`)));
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      for (const line of output.split('\n')) {
        if (!line.startsWith('{')) continue;
        const entry = JSON.parse(line) as Record<string, unknown>;
        if (entry.msg === 'order service ready') resolve(entry);
      }
    });
  });
  const started = { child, base: String(ready.address), pid: Number(ready.pid), exited };
  running.push(started);
  return started;
}

/** The variables that make the service and `npm run token` share one installation. */
const embedded = (directory: string) => ({ SQLITE_PATH: join(directory, 'orders.db'), JWT_SECRET: '' });

function tryItBlock(): string {
  const readme = readFileSync('README.md', 'utf8');
  const section = readme.slice(readme.indexOf('### Try it'));
  const block = /```bash\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) throw new Error('README.md has no bash block under "### Try it"');
  return block;
}

describe('the embedded service started as the README says', () => {
  it('runs the README’s “Try it” block as written: 201 with Location, CONFIRMED, history, PROCESSING', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'order-service-readme-'));
    directories.push(directory);
    const { base } = await npmStart(directory);
    const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', tryItBlock()], {
      env: { ...process.env, BASE: base, ...embedded(directory) },
      timeout: 90_000,
    });
    expect(stdout).toMatch(/^HTTP\/1\.1 201 Created/m);
    expect(stdout).toMatch(/^location: \/api\/orders\/[0-9a-f-]{36}/im);
    expect(stdout).toMatch(/order id: [0-9a-f-]{36}/);
    expect(stdout).toContain('"status":"CONFIRMED"');
    expect(stdout).toContain('"customerId":"123"');
    expect(stdout).toContain('"status":"PROCESSING"');
    expect(stdout.match(/^HTTP 200$/gm)).toHaveLength(3);
  }, 120_000);

  it('stops when its node process gets SIGTERM: `npm start` runs node itself, not a wrapper', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'order-service-sigterm-'));
    directories.push(directory);
    const started = await npmStart(directory);
    const { stdout: command } = await run('ps', ['-o', 'args=', '-p', String(started.pid)]);
    expect(command).toMatch(/node .*--import tsx src\/main\.ts/);
    process.kill(started.pid, 'SIGTERM');
    await started.exited;
    expect(started.child.exitCode).toBe(0);
    await expect(fetch(`${started.base}/health/live`)).rejects.toThrow();
  }, 60_000);
});
