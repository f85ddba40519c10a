import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);

/**
 * A Node.js older than 22 on this machine, if any: the system Node of the development machines
 * here is 20, on which better-sqlite3 13 used to kill `npm start` with SIGSEGV and no message.
 */
async function olderNode(): Promise<{ path: string; version: string } | null> {
  for (const path of ['/usr/bin/node', '/usr/local/bin/node']) {
    if (!existsSync(path)) continue;
    const version = (await run(path, ['--version'])).stdout.trim().replace(/^v/, '');
    if (Number(version.split('.')[0]) < 22) return { path, version };
  }
  return null;
}

const node = await olderNode();
if (!node)
  console.warn(
    '\n*** SKIPPED tests/e2e/unsupported-node.test.ts: no Node.js older than 22 at /usr/bin or /usr/local/bin ***\n',
  );

const directory = mkdtempSync(join(tmpdir(), 'old-node-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe.skipIf(!node)('the service on a Node.js older than 22', () => {
  it.each([
    ['the service (npm start)', 'src/main.ts'],
    ['the simulator process', 'src/simulators-main.ts'],
    ['npm run migrate', 'scripts/migrate.ts'],
  ])('%s exits 1 with the reason on stderr, before opening the database', async (_name, entry) => {
    const { path, version } = node as { path: string; version: string };
    const failure = await run(path, ['--import', 'tsx', entry], {
      env: { ...process.env, SQLITE_PATH: join(directory, 'orders.db'), MYSQL_HOST: '', RABBITMQ_HOST: '' },
    }).then(
      () => null,
      (error: { code: number | null; signal: string | null; stderr: string }) => error,
    );
    expect(failure).toMatchObject({ code: 1, signal: null });
    expect(failure?.stderr).toContain(
      `needs Node.js 22.15+ or 24+ (package.json "engines"); this is Node ${version}.`,
    );
    expect(existsSync(join(directory, 'orders.db'))).toBe(false);
  });
});
