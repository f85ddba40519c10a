import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signToken, startTestService, type TestService } from '../../support/test-service.js';

type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

/** An identity provider's JWKS endpoint, served locally: the keys RS256/ES256 tokens are checked against. */
async function serveJwks(keys: JWK[]): Promise<{ url: string; server: Server }> {
  const server = createServer((_request, response) => {
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify({ keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`, server };
}

describe('tokens from a JWKS issuer (JWT_JWKS_URL), served by a local identity provider in the test', () => {
  let t: TestService;
  let server: Server;
  let signer: PrivateKey;
  let stranger: PrivateKey;

  beforeAll(async () => {
    const issuer = await generateKeyPair('ES256');
    const other = await generateKeyPair('ES256');
    signer = issuer.privateKey;
    stranger = other.privateKey;
    const published = { ...(await exportJWK(issuer.publicKey)), kid: 'issuer-1', alg: 'ES256', use: 'sig' };
    const jwks = await serveJwks([published]);
    server = jwks.server;
    t = await startTestService('sqlite', {
      JWT_SECRET: '',
      JWT_JWKS_URL: jwks.url,
      JWT_ISSUER: 'https://id.example.test/',
      JWT_AUDIENCE: 'order-service',
    });
  });
  afterAll(async () => {
    await t?.stop();
    server?.close();
  });

  const token = (key: PrivateKey, claims: { iss?: string } = {}) =>
    new SignJWT({ roles: ['customer'] })
      .setProtectedHeader({ alg: 'ES256', kid: 'issuer-1' })
      .setSubject('123')
      .setIssuer(claims.iss ?? 'https://id.example.test/')
      .setAudience('order-service')
      .setExpirationTime('5m')
      .sign(key);

  const history = async (authorization: string) =>
    t.service.app.inject({ url: '/api/orders/history/123', headers: { authorization } });

  it('accepts an ES256 token signed by a key the issuer publishes', async () => {
    expect((await history(`Bearer ${await token(signer)}`)).statusCode).toBe(200);
  });

  it('refuses a token signed by a key the issuer does not publish', async () => {
    const response = await history(`Bearer ${await token(stranger)}`);
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toContain('invalid_token');
  });

  it('refuses a token from another issuer', async () => {
    expect(
      (await history(`Bearer ${await token(signer, { iss: 'https://evil.example/' })}`)).statusCode,
    ).toBe(401);
  });

  it('refuses an HS256 token, since only the issuer’s algorithms are accepted', async () => {
    const hs256 = await signToken({
      sub: '123',
      roles: ['customer'],
      iss: 'https://id.example.test/',
      aud: 'order-service',
    });
    expect((await history(`Bearer ${hs256}`)).statusCode).toBe(401);
  });
});
