import { createHmac, createSecretKey, type KeyObject, timingSafeEqual } from 'node:crypto';
import type { JWTPayload } from 'jose';
import { LRUCache } from 'lru-cache';

/** Why a token was refused; auth.ts turns it into the 401's description. */
export class TokenRejected extends Error {
  constructor(
    readonly reason: 'expired' | 'signature' | 'algorithm' | 'claim' | 'malformed',
    detail = '',
  ) {
    super(detail || reason);
    this.name = 'TokenRejected';
  }
}

const hashes: Record<string, string> = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' };

export interface HmacTokenOptions {
  secret: string;
  /** The allowed algorithms (JWT_ALGORITHMS); only the HMAC ones among them can match. */
  algorithms: readonly string[];
  issuer?: string | null;
  audience?: string | null;
  clockToleranceSeconds: number;
  now?: () => number;
}

/**
 * Verifies an HMAC-signed JWT (JWS compact form) synchronously with node:crypto: jose's verify
 * goes through WebCrypto, whose promise round trip per request cost about 4 % of the service's
 * CPU under GET load (docs/benchmarks.md). Same rules as before: the header's `alg` must be one
 * of the configured algorithms (so `none` and unlisted HMAC variants are refused), no critical
 * header extensions, a constant-time signature comparison, `exp` required, `nbf` honoured, and
 * `iss`/`aud` checked when configured. Returns the claims.
 */
export function hmacTokenVerifier(options: HmacTokenOptions): (token: string) => JWTPayload {
  const key: KeyObject = createSecretKey(Buffer.from(options.secret));
  const allowed = new Set(options.algorithms.filter((alg) => alg in hashes));
  const now = options.now ?? Date.now;
  const tolerance = options.clockToleranceSeconds;

  // Tokens whose signature checked out, with their decoded claims: a client sends the same token
  // with every request until it expires, and the HMAC and the two base64url-JSON decodes were
  // 7 % of the service's CPU under GET load. Keyed by the whole token, signature included, so only
  // the very same bytes hit; the claims are checked against the clock on every use all the same.
  const signed = new LRUCache<string, Readonly<JWTPayload>>({ max: 5_000 });
  const signedClaims = (token: string): Readonly<JWTPayload> => {
    const cached = signed.get(token);
    if (cached) return cached;
    const [header, payload, signature, extra] = token.split('.');
    if (header === undefined || payload === undefined || signature === undefined || extra !== undefined)
      throw new TokenRejected('malformed');
    const protectedHeader = decodeJson(header);
    const alg = protectedHeader.alg;
    if (typeof alg !== 'string' || !allowed.has(alg)) throw new TokenRejected('algorithm');
    if (protectedHeader.crit !== undefined) throw new TokenRejected('malformed');
    const expected = createHmac(hashes[alg] as string, key)
      .update(`${header}.${payload}`)
      .digest();
    const given = Buffer.from(signature, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      throw new TokenRejected('signature');
    const claims = Object.freeze(decodeJson(payload) as JWTPayload);
    signed.set(token, claims);
    return claims;
  };

  return (token) => {
    const claims = signedClaims(token);
    const seconds = Math.floor(now() / 1000);
    if (typeof claims.exp !== 'number') throw new TokenRejected('claim', 'exp');
    if (claims.exp <= seconds - tolerance) throw new TokenRejected('expired');
    if (claims.nbf !== undefined && (typeof claims.nbf !== 'number' || claims.nbf > seconds + tolerance))
      throw new TokenRejected('claim', 'nbf');
    if (claims.iat !== undefined && typeof claims.iat !== 'number') throw new TokenRejected('claim', 'iat');
    if (typeof claims.sub !== 'string') throw new TokenRejected('claim', 'sub');
    if (options.issuer && claims.iss !== options.issuer) throw new TokenRejected('claim', 'iss');
    if (options.audience) {
      const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
      if (!audiences.includes(options.audience)) throw new TokenRejected('claim', 'aud');
    }
    return claims;
  };
}

function decodeJson(part: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    throw new TokenRejected('malformed');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new TokenRejected('malformed');
  return value as Record<string, unknown>;
}
