import {
  createRemoteJWKSet,
  type JWTPayload,
  type JWTVerifyGetKey,
  errors as joseErrors,
  jwtVerify,
} from 'jose';
import type { Principal, Role } from '../application/access.js';
import type { Config } from '../config.js';
import { hmacTokenVerifier, TokenRejected } from './hmac-token.js';

const knownRoles: readonly Role[] = ['customer', 'service', 'admin'];

export class Unauthenticated extends Error {
  constructor(
    message: string,
    /** RFC 6750 error code for the WWW-Authenticate header; absent when no token was sent. */
    readonly code?: 'invalid_token' | 'invalid_request',
  ) {
    super(message);
    this.name = 'Unauthenticated';
  }
}

export type TokenVerifier = (authorization: string | undefined) => Promise<Principal>;

/**
 * Verifies bearer tokens: HS256 with JWT_SECRET (synchronously, node:crypto), or keys from
 * JWT_JWKS_URL (RS256/ES256, jose). Algorithms are pinned (no `none`, no algorithm confusion),
 * `exp` and `sub` are required, and `iss`/`aud` are checked when configured.
 */
export function createTokenVerifier(jwt: Config['jwt']): TokenVerifier {
  if (!jwt.jwksUrl && !jwt.secret) throw new Error('No JWT_SECRET or JWT_JWKS_URL to verify tokens with');
  const verify = jwt.jwksUrl ? jwksVerifier(jwt, jwt.jwksUrl) : secretVerifier(jwt);
  return async (authorization) => {
    if (!authorization) throw new Unauthenticated('Missing Authorization header');
    const match = /^Bearer ([A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]*)$/.exec(authorization);
    if (!match?.[1]) throw new Unauthenticated('Authorization must be "Bearer <JWT>"', 'invalid_request');
    return toPrincipal(await verify(match[1]));
  };
}

const clockToleranceSeconds = 5;

function secretVerifier(jwt: Config['jwt']): (token: string) => JWTPayload {
  const verify = hmacTokenVerifier({
    secret: jwt.secret as string,
    algorithms: jwt.algorithms,
    issuer: jwt.issuer,
    audience: jwt.audience,
    clockToleranceSeconds,
  });
  return (token) => {
    try {
      return verify(token);
    } catch (error) {
      if (!(error instanceof TokenRejected)) throw error;
      throw new Unauthenticated(hmacMessages[error.reason](error.message), 'invalid_token');
    }
  };
}

const hmacMessages: Record<TokenRejected['reason'], (detail: string) => string> = {
  expired: () => 'Token has expired',
  signature: () => 'Token signature is invalid',
  algorithm: () => 'Token algorithm is not allowed',
  claim: (claim) => `Token claim check failed: ${claim}`,
  malformed: () => 'Token is invalid',
};

function jwksVerifier(jwt: Config['jwt'], jwksUrl: string): (token: string) => Promise<JWTPayload> {
  const keys: JWTVerifyGetKey = createRemoteJWKSet(new URL(jwksUrl));
  const options = {
    algorithms: jwt.algorithms,
    requiredClaims: ['exp', 'sub'],
    clockTolerance: clockToleranceSeconds,
    ...(jwt.issuer && { issuer: jwt.issuer }),
    ...(jwt.audience && { audience: jwt.audience }),
  };
  return async (token) => {
    try {
      return (await jwtVerify(token, keys, options)).payload;
    } catch (error) {
      throw new Unauthenticated(describe(error), 'invalid_token');
    }
  };
}

function toPrincipal(payload: JWTPayload): Principal {
  const subject = payload.sub;
  if (!subject || subject.length > 64)
    throw new Unauthenticated('Token subject is missing or too long', 'invalid_token');
  const claimed = payload.roles ?? ['customer'];
  if (!Array.isArray(claimed)) throw new Unauthenticated('Token roles must be an array', 'invalid_token');
  const roles = knownRoles.filter((role) => claimed.includes(role));
  if (roles.length === 0) throw new Unauthenticated('Token carries no known role', 'invalid_token');
  return { subject, roles };
}

function describe(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'Token has expired';
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'Token signature is invalid';
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return 'Token algorithm is not allowed';
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `Token claim check failed: ${error.claim}`;
  return 'Token is invalid';
}
