import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Config } from '../config.js';

/**
 * The embedded shape without a configured JWT_SECRET signs and verifies with a random secret
 * generated once per installation and kept beside the SQLite file (`./data/jwt-secret`, readable
 * by its owner only), so `npm start` and `npm run token` agree and no two installations share
 * a secret. The connected shape never gets here: config.ts refuses to start without a secret.
 */
export function withInstallationSecret(config: Config): Config {
  if (config.jwt.secret || config.jwt.jwksUrl || config.database.kind !== 'sqlite') return config;
  const directory = config.database.path === ':memory:' ? './data' : dirname(config.database.path);
  return { ...config, jwt: { ...config.jwt, secret: installationSecret(join(directory, 'jwt-secret')) } };
}

function installationSecret(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(dirname(file), { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  try {
    // `wx`: two processes starting at once cannot overwrite each other's secret.
    writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
    return secret;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return readFileSync(file, 'utf8').trim();
  }
}
