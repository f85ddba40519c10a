import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

const strongSecret = 'a'.repeat(32);

describe('configuration', () => {
  it('runs embedded on port 8080 in development when nothing is set', () => {
    const config = loadConfig({});
    expect(config.env).toBe('development');
    expect(config.port).toBe(8080);
    expect(config.database).toEqual({ kind: 'sqlite', path: './data/orders.db' });
    expect(config.rabbitmq).toBeNull();
    expect(config.simulators.embedded).toBe(true);
    expect(config.jwt.algorithms).toEqual(['HS256']);
    expect(config.jwt.expirationSeconds).toBe(3600);
  });

  it('connects to MySQL with the brief’s defaults when MYSQL_HOST is set', () => {
    expect(loadConfig({ MYSQL_HOST: 'db', JWT_SECRET: strongSecret }).database).toMatchObject({
      kind: 'mysql',
      host: 'db',
      port: 3306,
      database: 'orders_db',
      user: 'root',
    });
  });

  it('uses RabbitMQ and the real participants when RABBITMQ_HOST is set', () => {
    const config = loadConfig({ RABBITMQ_HOST: 'mq', JWT_SECRET: strongSecret });
    expect(config.rabbitmq).toMatchObject({ host: 'mq', port: 5672, user: 'guest' });
    expect(config.simulators.embedded).toBe(false);
  });

  it('reads numbers, booleans and lists', () => {
    const config = loadConfig({
      PORT: '9000',
      SIMULATORS_EMBEDDED: 'yes',
      CORS_ORIGINS: 'https://a.example, https://b.example',
      SIM_PAYMENT_DECLINE_ABOVE: '100.5',
    });
    expect(config.port).toBe(9000);
    expect(config.simulators.embedded).toBe(true);
    expect(config.http.corsOrigins).toEqual(['https://a.example', 'https://b.example']);
    expect(config.simulators.paymentDeclineAboveMinor).toBe(10050);
  });

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['PORT', '80.5'],
    ['ENV', 'prod'],
    ['MYSQL_PORT', 'x'],
    ['SIMULATORS_EMBEDDED', 'maybe'],
    ['SIM_STOCK', '{not json'],
    ['SIM_STOCK', '{"p-1": -1}'],
    ['SIM_PAYMENT_DECLINE_ABOVE', '1.234'],
    ['LOG_LEVEL', 'loud'],
    ['JWT_ALGORITHMS', 'none'],
    ['JWT_ALGORITHMS', 'RS256'],
  ])('names %s when its value %j is bad', (variable, value) => {
    const source = {
      MYSQL_HOST: variable === 'MYSQL_PORT' ? 'db' : '',
      JWT_SECRET: strongSecret,
      [variable]: value,
    };
    expect(() => loadConfig(source)).toThrow(ConfigError);
    expect(() => loadConfig(source)).toThrow(variable);
  });

  it('waits 30 s for a shipment’s stock commit reply, 5 attempts, unless told otherwise', () => {
    expect(loadConfig({}).saga).toMatchObject({
      shipmentCommitTimeoutMs: 30_000,
      shipmentCommitMaxAttempts: 5,
    });
    expect(
      loadConfig({ SHIPMENT_COMMIT_TIMEOUT_MS: '250', SHIPMENT_COMMIT_MAX_ATTEMPTS: '2' }).saga,
    ).toMatchObject({ shipmentCommitTimeoutMs: 250, shipmentCommitMaxAttempts: 2 });
    expect(() => loadConfig({ SHIPMENT_COMMIT_MAX_ATTEMPTS: '0' })).toThrow(ConfigError);
  });

  it('refuses to start in production without JWT_SECRET', () => {
    expect(() => loadConfig({ ENV: 'production' })).toThrow(/JWT_SECRET/);
  });

  it('refuses a production JWT_SECRET shorter than 32 characters', () => {
    expect(() => loadConfig({ ENV: 'production', JWT_SECRET: 'a'.repeat(31) })).toThrow(/JWT_SECRET/);
  });

  it('lets a process that verifies no tokens start in production without JWT_SECRET, with no secret at all', () => {
    expect(loadConfig({ ENV: 'production' }, { verifiesTokens: false }).jwt.secret).toBeNull();
  });

  it('accepts a production JWT_SECRET of 32 characters', () => {
    expect(loadConfig({ ENV: 'production', JWT_SECRET: strongSecret }).jwt.secret).toBe(strongSecret);
  });

  it('accepts a JWKS issuer instead of a secret in production', () => {
    const config = loadConfig({ ENV: 'production', JWT_JWKS_URL: 'https://id.example/jwks.json' });
    expect(config.jwt.secret).toBeNull();
    expect(config.jwt.algorithms).toEqual(['RS256', 'ES256']);
  });

  it.each([
    ['MYSQL_HOST', { MYSQL_HOST: 'db.internal' }],
    ['RABBITMQ_HOST', { RABBITMQ_HOST: 'mq.internal' }],
  ])('refuses to start without a JWT secret when %s is set, in any ENV', (variable, env) => {
    expect(() => loadConfig({ ENV: 'development', ...env })).toThrow(new RegExp(`JWT_SECRET.*${variable}`));
  });

  it('has no built-in secret in development: the embedded shape generates its own', () => {
    expect(loadConfig({ ENV: 'development' }).jwt.secret).toBeNull();
  });

  it('never falls back to the development secret in production', () => {
    expect(loadConfig({ ENV: 'production', JWT_SECRET: strongSecret }).jwt.secret).not.toMatch(/development/);
  });
});

describe('payment provider configuration', () => {
  it('uses the simulator unless told otherwise', () => {
    expect(loadConfig({}).payment).toEqual({ provider: 'simulator' });
  });

  it('needs the gateway URL and key for the HTTP provider, naming the missing variable', () => {
    expect(() => loadConfig({ PAYMENT_PROVIDER: 'http', PAYMENT_API_KEY: 'k' })).toThrow(/PAYMENT_API_URL/);
    expect(() => loadConfig({ PAYMENT_PROVIDER: 'http', PAYMENT_API_URL: 'https://gw.example' })).toThrow(
      /PAYMENT_API_KEY/,
    );
    expect(
      loadConfig({ PAYMENT_PROVIDER: 'http', PAYMENT_API_URL: 'https://gw.example', PAYMENT_API_KEY: 'k' })
        .payment,
    ).toEqual({ provider: 'http', apiUrl: 'https://gw.example', apiKey: 'k', timeoutMs: 5000 });
  });
});
