import { parseArgs } from 'node:util';
import { SignJWT } from 'jose';
import { loadConfig, loadDotEnv } from '../src/config.js';
import { withInstallationSecret } from '../src/infrastructure/installation-secret.js';

/** Prints a token signed with the service's JWT secret: `npm run token -- --sub 123 --roles customer`. */
loadDotEnv();
const { values } = parseArgs({
  options: {
    sub: { type: 'string', default: 'customer-1' },
    roles: { type: 'string', default: 'customer' },
    expires: { type: 'string' },
  },
});
// The same secret the service uses: configured, or this installation's generated one.
const { jwt } = withInstallationSecret(loadConfig());
if (!jwt.secret) {
  console.error('JWT_SECRET is not set: tokens for a JWKS issuer come from that issuer.');
  process.exit(1);
}
const roles = (values.roles ?? 'customer').split(',').map((role) => role.trim());
const token = new SignJWT({ roles })
  .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
  .setSubject(values.sub ?? 'customer-1')
  .setIssuedAt()
  .setExpirationTime(`${values.expires ?? jwt.expirationSeconds}s`);
if (jwt.issuer) token.setIssuer(jwt.issuer);
if (jwt.audience) token.setAudience(jwt.audience);
console.log(await token.sign(new TextEncoder().encode(jwt.secret)));
