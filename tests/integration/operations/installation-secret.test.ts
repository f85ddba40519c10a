import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { jwtVerify } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { withInstallationSecret } from '../../../src/infrastructure/installation-secret.js';

const run = promisify(execFile);
const directories: string[] = [];
const installation = () => {
  const directory = mkdtempSync(join(tmpdir(), 'order-service-'));
  directories.push(directory);
  return directory;
};
afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

const embedded = (directory: string) =>
  withInstallationSecret(loadConfig({ ENV: 'development', SQLITE_PATH: join(directory, 'orders.db') }));

describe('the JWT secret of an installation without JWT_SECRET', () => {
  it('is generated beside the SQLite file, readable by its owner only', () => {
    const directory = installation();
    const { secret } = embedded(directory).jwt;
    const file = join(directory, 'jwt-secret');
    expect(readFileSync(file, 'utf8').trim()).toBe(secret);
    expect(secret?.length).toBeGreaterThanOrEqual(32);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('stays the same across restarts and differs between installations', () => {
    const first = installation();
    expect(embedded(first).jwt.secret).toBe(embedded(first).jwt.secret);
    expect(embedded(first).jwt.secret).not.toBe(embedded(installation()).jwt.secret);
  });

  it('is not used when JWT_SECRET is configured', () => {
    const directory = installation();
    const secret = 'a-configured-secret-of-at-least-32-characters';
    const config = loadConfig({ SQLITE_PATH: join(directory, 'orders.db'), JWT_SECRET: secret });
    expect(withInstallationSecret(config).jwt.secret).toBe(secret);
  });

  it('is what `npm run token` signs with', async () => {
    const directory = installation();
    const { secret } = embedded(directory).jwt;
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', 'scripts/token.ts', '--sub', '123', '--roles', 'customer'],
      {
        env: {
          ...process.env,
          ENV: 'development',
          SQLITE_PATH: join(directory, 'orders.db'),
          JWT_SECRET: '',
        },
      },
    );
    const { payload } = await jwtVerify(stdout.trim(), new TextEncoder().encode(secret ?? ''));
    expect(payload).toMatchObject({ sub: '123', roles: ['customer'] });
  });
});
