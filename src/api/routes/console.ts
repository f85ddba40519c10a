import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { SignJWT } from 'jose';
import type { Config } from '../../config.js';
import { sendProblem } from '../problem.js';

/**
 * No inline script or style anywhere in the console: the bundle and stylesheet are files of this
 * origin, and the API it calls is this origin too.
 */
export const consoleContentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

/** The package root, from src/api/routes (tsx) or dist/src/api/routes (compiled) alike. */
function packageRoot(): string {
  let directory = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(directory, 'package.json'))) {
    const parent = dirname(directory);
    if (parent === directory) throw new Error('package.json not found above the console routes');
    directory = parent;
  }
  return directory;
}

/**
 * The operator console: a single-page app built into console/dist by `npm install` (prepare),
 * served as static files at /console. `/` redirects to it. In development only, a route mints
 * an admin token so a newcomer can sign in with one click; it does not exist in production or test.
 */
export async function consoleRoutes(app: FastifyInstance, { config }: { config: Config }) {
  const root = join(packageRoot(), 'console', 'dist');
  app.get('/', { schema: { hide: true } }, (_request, reply) => reply.redirect('/console'));

  await app.register(async (scope) => {
    scope.addHook('onSend', async (_request, reply) => {
      reply.header('content-security-policy', consoleContentSecurityPolicy);
    });

    if (!existsSync(join(root, 'index.html'))) {
      app.log.warn({ root }, 'the console is not built; run `npm run build:console`');
      scope.get('/console*', { schema: { hide: true } }, (request, reply) =>
        sendProblem(request, reply, {
          type: 'urn:problem:console_not_built',
          title: 'Console not built',
          status: 503,
          detail: 'The console has not been built: run `npm run build:console` (npm install does it)',
        }),
      );
      return;
    }

    await scope.register(fastifyStatic, { root, prefix: '/console/', index: false, wildcard: true });
    scope.get('/console', { schema: { hide: true } }, (_request, reply) =>
      reply.header('cache-control', 'no-cache').sendFile('index.html'),
    );
    scope.get('/console/settings.json', { schema: { hide: true } }, async () => ({
      devToken: devTokensEnabled(config),
    }));

    if (devTokensEnabled(config)) {
      const secret = new TextEncoder().encode(config.jwt.secret ?? '');
      scope.post('/console/dev-token', { schema: { hide: true } }, async () => {
        const token = new SignJWT({ roles: ['admin'] })
          .setProtectedHeader({ alg: 'HS256' })
          .setSubject('console-dev')
          .setIssuedAt()
          .setExpirationTime(`${config.jwt.expirationSeconds}s`);
        if (config.jwt.issuer) token.setIssuer(config.jwt.issuer);
        if (config.jwt.audience) token.setAudience(config.jwt.audience);
        return { token: await token.sign(secret) };
      });
    }
  });
}

/** Only in development, and only with a shared secret (a JWKS identity provider mints its own tokens). */
function devTokensEnabled(config: Config): boolean {
  return config.env === 'development' && config.jwt.secret !== null && config.jwt.jwksUrl === null;
}
