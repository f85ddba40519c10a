import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';

/**
 * The GET baseline (docs/benchmarks.md): a bare Fastify route that verifies an HS256 bearer
 * token synchronously with node:crypto (signature, `exp`) and answers a fixed order document,
 * with no logging, no database and no other plugin. Started by the bench as its own process:
 * BARE_PORT, BARE_SECRET, BARE_BODY_FILE (the order JSON to serve).
 */
const secret = process.env.BARE_SECRET ?? '';
const body = readFileSync(process.env.BARE_BODY_FILE ?? '', 'utf8');

function verified(authorization: string | undefined): boolean {
  if (!authorization?.startsWith('Bearer ')) return false;
  const [header, payload, signature] = authorization.slice(7).split('.');
  if (!header || !payload || !signature) return false;
  const expected = createHmac('sha256', secret).update(`${header}.${payload}`).digest();
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return false;
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { exp?: number; sub?: string };
  return typeof claims.exp === 'number' && claims.exp > Date.now() / 1000 && typeof claims.sub === 'string';
}

const app = Fastify({ logger: false });
app.get('/api/orders/:orderId', (request, reply) => {
  if (!verified(request.headers.authorization)) return reply.code(401).send();
  return reply.type('application/json').send(body);
});
app.get('/health/live', (_request, reply) => reply.send({ status: 'ok' }));
await app.listen({ port: Number(process.env.BARE_PORT), host: '127.0.0.1' });
for (const signal of ['SIGTERM', 'SIGINT'] as const)
  process.once(signal, () => void app.close().then(() => process.exit(0)));
