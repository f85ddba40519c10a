import { createHmac } from 'node:crypto';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { hmacTokenVerifier, TokenRejected } from '../../../src/api/hmac-token.js';

const secret = 'unit-test-secret-that-is-long-enough-0123456789';
const now = 1_800_000_000_000;
const seconds = now / 1000;
const verify = hmacTokenVerifier({ secret, algorithms: ['HS256'], clockToleranceSeconds: 5, now: () => now });
const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Signs any header and claims by hand, so malformed and hostile tokens can be built. */
function handMade(header: object, claims: object, key = secret, hash = 'sha256'): string {
  const body = `${encode(header)}.${encode(claims)}`;
  return `${body}.${createHmac(hash, key).update(body).digest('base64url')}`;
}

const rejection = (token: string) => {
  try {
    verify(token);
  } catch (error) {
    if (error instanceof TokenRejected) return [error.reason, error.message];
    throw error;
  }
  return null;
};

describe('HMAC token verification', () => {
  it('accepts a token jose signed with the secret and returns its claims', async () => {
    const token = await new SignJWT({ roles: ['customer'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('123')
      .setExpirationTime(seconds + 60)
      .sign(new TextEncoder().encode(secret));
    expect(verify(token)).toMatchObject({ sub: '123', roles: ['customer'], exp: seconds + 60 });
  });

  it('refuses a token past exp beyond the clock tolerance, and accepts one within it', () => {
    expect(rejection(handMade({ alg: 'HS256' }, { sub: 'a', exp: seconds - 5 }))).toEqual([
      'expired',
      'expired',
    ]);
    expect(rejection(handMade({ alg: 'HS256' }, { sub: 'a', exp: seconds - 4 }))).toBeNull();
  });

  it('refuses a token it accepted before once it has expired: the clock is checked on every use', () => {
    let clock = now;
    const verifyAt = hmacTokenVerifier({
      secret,
      algorithms: ['HS256'],
      clockToleranceSeconds: 0,
      now: () => clock,
    });
    const token = handMade({ alg: 'HS256' }, { sub: 'a', exp: seconds + 60, nbf: seconds + 10 });
    expect(() => verifyAt(token)).toThrow(TokenRejected);
    clock = now + 20_000;
    expect(verifyAt(token)).toMatchObject({ sub: 'a' });
    expect(verifyAt(token)).toMatchObject({ sub: 'a' });
    clock = now + 61_000;
    expect(() => verifyAt(token)).toThrow('expired');
  });

  it('refuses a forged copy of a token it accepted before', () => {
    const token = handMade({ alg: 'HS256' }, { sub: 'a', exp: seconds + 60 });
    expect(rejection(token)).toBeNull();
    const [header, , signature] = token.split('.');
    const forged = `${header}.${encode({ sub: 'admin', roles: ['admin'], exp: seconds + 60 })}.${signature}`;
    expect(rejection(forged)).toEqual(['signature', 'signature']);
  });

  it('refuses a token whose nbf is still in the future', () => {
    expect(rejection(handMade({ alg: 'HS256' }, { sub: 'a', exp: seconds + 60, nbf: seconds + 60 }))).toEqual(
      ['claim', 'nbf'],
    );
  });

  it('refuses an algorithm outside the configured list even when the signature matches', () => {
    const token = handMade({ alg: 'HS512' }, { sub: 'a', exp: seconds + 60 }, secret, 'sha512');
    expect(rejection(token)?.[0]).toBe('algorithm');
  });

  it('refuses critical header extensions it does not understand', () => {
    const token = handMade({ alg: 'HS256', crit: ['b64'], b64: false }, { sub: 'a', exp: seconds + 60 });
    expect(rejection(token)?.[0]).toBe('malformed');
  });

  it('refuses a signature made with another key or cut short', () => {
    const other = handMade(
      { alg: 'HS256' },
      { sub: 'a', exp: seconds + 60 },
      'another-secret-of-enough-length-000000',
    );
    expect(rejection(other)?.[0]).toBe('signature');
    const good = handMade({ alg: 'HS256' }, { sub: 'a', exp: seconds + 60 });
    expect(rejection(good.slice(0, -4))?.[0]).toBe('signature');
  });

  it('refuses a payload that is not a JSON object', () => {
    const body = `${encode({ alg: 'HS256' })}.${Buffer.from('[1,2]').toString('base64url')}`;
    const token = `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
    expect(rejection(token)?.[0]).toBe('malformed');
  });

  it('checks the audience among several when one is configured', () => {
    const withAudience = hmacTokenVerifier({
      secret,
      algorithms: ['HS256'],
      audience: 'orders',
      clockToleranceSeconds: 5,
      now: () => now,
    });
    expect(
      withAudience(handMade({ alg: 'HS256' }, { sub: 'a', exp: seconds + 60, aud: ['x', 'orders'] })),
    ).toBeTruthy();
    expect(() => withAudience(handMade({ alg: 'HS256' }, { sub: 'a', exp: seconds + 60, aud: 'x' }))).toThrow(
      TokenRejected,
    );
  });
});
