import {
  createRemoteJWKSet,
  type JWTPayload,
  type JWTVerifyGetKey,
  errors as joseErrors,
  jwtVerify,
} from 'jose';
import type { Principal, Role } from '../application/access.js';
import type { Config } from '../config.js';

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
 * Verifies bearer tokens: HS256 with JWT_SECRET, or keys from JWT_JWKS_URL (RS256/ES256).
 * Algorithms are pinned (no `none`, no algorithm confusion), `exp` and `sub` are required,
 * and `iss`/`aud` are checked when configured.
 */
export function createTokenVerifier(jwt: Config['jwt']): TokenVerifier {
  if (!jwt.jwksUrl && !jwt.secret) throw new Error('No JWT_SECRET or JWT_JWKS_URL to verify tokens with');
  const key: Uint8Array | JWTVerifyGetKey = jwt.jwksUrl
    ? createRemoteJWKSet(new URL(jwt.jwksUrl))
    : new TextEncoder().encode(jwt.secret ?? undefined);
  const options = {
    algorithms: jwt.algorithms,
    requiredClaims: ['exp', 'sub'],
    clockTolerance: 5,
    ...(jwt.issuer && { issuer: jwt.issuer }),
    ...(jwt.audience && { audience: jwt.audience }),
  };

  return async (authorization) => {
    if (!authorization) throw new Unauthenticated('Missing Authorization header');
    const match = /^Bearer ([A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]*)$/.exec(authorization);
    if (!match?.[1]) throw new Unauthenticated('Authorization must be "Bearer <JWT>"', 'invalid_request');
    let payload: JWTPayload;
    try {
      ({ payload } =
        typeof key === 'function'
          ? await jwtVerify(match[1], key, options)
          : await jwtVerify(match[1], key, options));
    } catch (error) {
      throw new Unauthenticated(describe(error), 'invalid_token');
    }
    return toPrincipal(payload);
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
