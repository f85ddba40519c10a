/**
 * Every environment variable the service reads, parsed and validated once at start-up.
 * A bad value stops start-up with a message naming the variable; nothing else in the code
 * reads process.env.
 */

export type Env = 'development' | 'production' | 'test';

export interface Config {
  env: Env;
  port: number;
  host: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  database:
    | { kind: 'sqlite'; path: string }
    | {
        kind: 'mysql';
        host: string;
        port: number;
        database: string;
        user: string;
        password: string;
        poolSize: number;
        /** Optional read replica for queries; falls back to the primary. */
        readHost: string | null;
      };
  rabbitmq: {
    host: string;
    port: number;
    user: string;
    password: string;
    vhost: string;
    prefetch: number;
    /** Prepended to every exchange and queue name: isolates test runs or tenants sharing a vhost. */
    namePrefix: string;
  } | null;
  messaging: {
    /** Deliveries of one message before it is dead-lettered. */
    maxAttempts: number;
    /** Base of the exponential wait between deliveries of a failing message. */
    retryBaseDelayMs: number;
    outboxPollMs: number;
    outboxBatchSize: number;
    /** How long a relay's claim on outbox rows lasts; rows of a relay that died wait this long. */
    outboxClaimMs: number;
  };
  saga: {
    stepTimeoutMs: number;
    sweepIntervalMs: number;
    /** A shipment's stock commit: the first attempt's wait for its reply (doubling per resend, at most 16×). */
    shipmentCommitTimeoutMs: number;
    /** Attempts at a shipment's stock commit before it becomes COMMIT_FAILED. */
    shipmentCommitMaxAttempts: number;
  };
  simulators: {
    /** Run the inventory and payment simulators inside this process (default in the embedded shape). */
    embedded: boolean;
    defaultStock: number;
    stock: Record<string, number>;
    paymentDeclineAboveMinor: number | null;
    failureRate: number;
    latencyMs: number;
  };
  /** Who takes payments: the simulator, or a card gateway's REST API. */
  payment:
    | { provider: 'simulator' }
    | { provider: 'http'; apiUrl: string; apiKey: string; timeoutMs: number };
  jwt: {
    secret: string | null;
    jwksUrl: string | null;
    algorithms: string[];
    issuer: string | null;
    audience: string | null;
    /** Lifetime in seconds of tokens minted by `npm run token`. */
    expirationSeconds: number;
  };
  http: {
    bodyLimitBytes: number;
    requestTimeoutMs: number;
    /** Longest a request may take once its body is read; past it the client gets 503 + Retry-After. */
    requestDeadlineMs: number;
    rateLimitMax: number;
    rateLimitWindowMs: number;
    corsOrigins: string[] | boolean;
    /** How long an Idempotency-Key is remembered. */
    idempotencyKeyTtlMs: number;
    trustProxy: boolean;
    /** How long SIGTERM/SIGINT may take to drain requests and stop workers before the process exits 1. */
    shutdownTimeoutMs: number;
  };
  console: {
    /** Serve the operator console at /console (static assets; the API it calls is always there). */
    enabled: boolean;
    /** Interval of the comment lines that keep an idle /api/orders/stream connection open. */
    sseHeartbeatMs: number;
  };
  health: {
    memoryLimitBytes: number;
    eventLoopDelayThresholdMs: number;
    outboxBacklogThreshold: number;
  };
  /** OpenTelemetry traces: exported over OTLP/HTTP (protobuf) when an endpoint is configured, off otherwise. */
  tracing: {
    enabled: boolean;
    /** Where spans are POSTed: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, or OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces. */
    tracesEndpoint: string | null;
    serviceName: string;
    /** Share of new traces recorded (0–1); a request that arrives with a traceparent follows its caller's decision. */
    sampleRatio: number;
  };
  admission: {
    /**
     * Once this many orders wait for their saga (PENDING), POST /api/orders waits for room and then
     * answers 503, so the service never accepts faster than it confirms; 0 turns the guard off.
     */
    sagaBacklogLimit: number;
    /** How long a POST waits for room in a full backlog before its 503. */
    sagaBacklogWaitMs: number;
    /**
     * Once the backlog is full, how much longer than the saga's own time an admitted order may
     * wait: the limit follows the saga's measured pace × (its own time + this), up to
     * sagaBacklogLimit; 0 keeps the limit fixed.
     */
    sagaBacklogTargetMs: number;
  };
}

/** Reads `./.env` into the environment when there is one: a convenience for local runs; deployments set the environment. */
export function loadDotEnv(): void {
  try {
    process.loadEnvFile();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

export class ConfigError extends Error {
  constructor(variable: string, problem: string) {
    super(`Invalid configuration: ${variable} ${problem}`);
    this.name = 'ConfigError';
  }
}

type Source = Record<string, string | undefined>;

/**
 * `verifiesTokens: false` is for the processes that serve no API (the simulators, migrations):
 * they need no JWT secret, even in production.
 */
export function loadConfig(source: Source = process.env, { verifiesTokens = true } = {}): Config {
  const read = reader(source);
  const env = read.oneOf('ENV', ['development', 'production', 'test'] as const, 'development');
  const mysqlHost = read.string('MYSQL_HOST', '');
  const rabbitHost = read.string('RABBITMQ_HOST', '');
  const jwksUrl = read.string('JWT_JWKS_URL', '') || null;
  const secret = read.string('JWT_SECRET', '') || null;

  if (verifiesTokens && !jwksUrl && !secret && env === 'production') {
    throw new ConfigError('JWT_SECRET', 'is required in production (or set JWT_JWKS_URL)');
  }
  // A real database or broker means a real deployment: it never runs on a secret nobody chose.
  if (verifiesTokens && !jwksUrl && !secret && (mysqlHost || rabbitHost)) {
    throw new ConfigError(
      'JWT_SECRET',
      `is required when ${mysqlHost ? 'MYSQL_HOST' : 'RABBITMQ_HOST'} is set (or set JWT_JWKS_URL)`,
    );
  }
  if (secret && secret.length < 32 && env === 'production') {
    throw new ConfigError('JWT_SECRET', 'must be at least 32 characters in production');
  }

  return {
    env,
    port: read.int('PORT', 8080, { min: 0, max: 65535 }),
    host: read.string('HOST', '0.0.0.0'),
    logLevel: read.oneOf(
      'LOG_LEVEL',
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const,
      env === 'test' ? 'silent' : 'info',
    ),
    database: mysqlHost
      ? {
          kind: 'mysql',
          host: mysqlHost,
          port: read.int('MYSQL_PORT', 3306, { min: 1, max: 65535 }),
          database: read.string('MYSQL_DATABASE', 'orders_db'),
          user: read.string('MYSQL_USER', 'root'),
          password: read.string('MYSQL_PASSWORD', ''),
          poolSize: read.int('MYSQL_POOL_SIZE', 10, { min: 1, max: 500 }),
          readHost: read.string('MYSQL_READ_HOST', '') || null,
        }
      : { kind: 'sqlite', path: read.string('SQLITE_PATH', './data/orders.db') },
    rabbitmq: rabbitHost
      ? {
          host: rabbitHost,
          port: read.int('RABBITMQ_PORT', 5672, { min: 1, max: 65535 }),
          user: read.string('RABBITMQ_USER', 'guest'),
          password: read.string('RABBITMQ_PASSWORD', 'guest'),
          vhost: read.string('RABBITMQ_VHOST', '/'),
          prefetch: read.int('RABBITMQ_PREFETCH', 32, { min: 1, max: 10_000 }),
          namePrefix: read.string('RABBITMQ_NAME_PREFIX', ''),
        }
      : null,
    messaging: {
      maxAttempts: read.int('MESSAGE_MAX_ATTEMPTS', 5, { min: 1, max: 100 }),
      retryBaseDelayMs: read.int('MESSAGE_RETRY_DELAY_MS', 250, { min: 0, max: 60_000 }),
      outboxPollMs: read.int('OUTBOX_POLL_MS', 200, { min: 10, max: 60_000 }),
      outboxBatchSize: read.int('OUTBOX_BATCH_SIZE', 100, { min: 1, max: 10_000 }),
      outboxClaimMs: read.int('OUTBOX_CLAIM_MS', 10_000, { min: 1_000, max: 600_000 }),
    },
    saga: {
      stepTimeoutMs: read.int('SAGA_STEP_TIMEOUT_MS', 30_000, { min: 100, max: 86_400_000 }),
      sweepIntervalMs: read.int('SAGA_SWEEP_INTERVAL_MS', 1_000, { min: 10, max: 600_000 }),
      shipmentCommitTimeoutMs: read.int('SHIPMENT_COMMIT_TIMEOUT_MS', 30_000, { min: 100, max: 86_400_000 }),
      shipmentCommitMaxAttempts: read.int('SHIPMENT_COMMIT_MAX_ATTEMPTS', 5, { min: 1, max: 100 }),
    },
    simulators: {
      embedded: read.bool('SIMULATORS_EMBEDDED', !rabbitHost),
      defaultStock: read.int('SIM_DEFAULT_STOCK', 1_000_000, { min: 0, max: Number.MAX_SAFE_INTEGER }),
      stock: read.json('SIM_STOCK', {}, isStockTable),
      paymentDeclineAboveMinor: read.optionalMinorUnits('SIM_PAYMENT_DECLINE_ABOVE'),
      failureRate: read.number('SIM_FAILURE_RATE', 0, { min: 0, max: 1 }),
      latencyMs: read.int('SIM_LATENCY_MS', 0, { min: 0, max: 600_000 }),
    },
    payment: paymentConfig(read),
    jwt: {
      // Unset in the embedded shape: main.ts then uses the installation's own generated secret
      // (src/infrastructure/installation-secret.ts), never one written in this source.
      secret,
      jwksUrl,
      // A shared secret only verifies HMAC and a JWKS only public-key signatures, so a mix would
      // open the door to algorithm confusion, and `none` never verifies anything.
      algorithms: read.listOf(
        'JWT_ALGORITHMS',
        jwksUrl
          ? ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA']
          : ['HS256', 'HS384', 'HS512'],
        jwksUrl ? ['RS256', 'ES256'] : ['HS256'],
      ),
      issuer: read.string('JWT_ISSUER', '') || null,
      audience: read.string('JWT_AUDIENCE', '') || null,
      expirationSeconds: read.int('JWT_EXPIRATION', 3600, { min: 1, max: 31_536_000 }),
    },
    http: {
      bodyLimitBytes: read.int('HTTP_BODY_LIMIT_BYTES', 64 * 1024, { min: 1024, max: 10 * 1024 * 1024 }),
      requestTimeoutMs: read.int('HTTP_REQUEST_TIMEOUT_MS', 10_000, { min: 100, max: 600_000 }),
      requestDeadlineMs: read.int('HTTP_REQUEST_DEADLINE_MS', 10_000, { min: 100, max: 600_000 }),
      rateLimitMax: read.int('RATE_LIMIT_MAX', 600, { min: 0, max: 1_000_000 }),
      rateLimitWindowMs: read.int('RATE_LIMIT_WINDOW_MS', 60_000, { min: 1000, max: 3_600_000 }),
      corsOrigins: corsOrigins(read.string('CORS_ORIGINS', '')),
      idempotencyKeyTtlMs: read.int('IDEMPOTENCY_KEY_TTL_HOURS', 24, { min: 1, max: 8760 }) * 3_600_000,
      trustProxy: read.bool('TRUST_PROXY', false),
      shutdownTimeoutMs: read.int('SHUTDOWN_TIMEOUT_MS', 25_000, { min: 1000, max: 600_000 }),
    },
    console: {
      enabled: read.bool('CONSOLE_ENABLED', true),
      sseHeartbeatMs: read.int('SSE_HEARTBEAT_MS', 15_000, { min: 100, max: 600_000 }),
    },
    health: {
      memoryLimitBytes: read.int('HEALTH_MEMORY_LIMIT_MB', 1024, { min: 16, max: 1_048_576 }) * 1024 * 1024,
      eventLoopDelayThresholdMs: read.int('HEALTH_EVENT_LOOP_DELAY_MS', 500, { min: 0, max: 600_000 }),
      outboxBacklogThreshold: read.int('HEALTH_OUTBOX_BACKLOG', 10_000, { min: 1, max: 100_000_000 }),
    },
    tracing: tracingConfig(read),
    admission: {
      sagaBacklogLimit: read.int('SAGA_BACKLOG_LIMIT', 80, { min: 0, max: 100_000_000 }),
      sagaBacklogWaitMs: read.int('SAGA_BACKLOG_WAIT_MS', 1_000, { min: 0, max: 60_000 }),
      sagaBacklogTargetMs: read.int('SAGA_BACKLOG_TARGET_MS', 500, { min: 0, max: 600_000 }),
    },
  };
}

function paymentConfig(read: ReturnType<typeof reader>): Config['payment'] {
  const provider = read.oneOf('PAYMENT_PROVIDER', ['simulator', 'http'] as const, 'simulator');
  if (provider === 'simulator') return { provider };
  const apiUrl = read.string('PAYMENT_API_URL', '');
  const apiKey = read.string('PAYMENT_API_KEY', '');
  if (!URL.canParse(apiUrl))
    throw new ConfigError('PAYMENT_API_URL', 'must be the gateway API URL when PAYMENT_PROVIDER=http');
  if (!apiKey) throw new ConfigError('PAYMENT_API_KEY', 'is required when PAYMENT_PROVIDER=http');
  return {
    provider,
    apiUrl,
    apiKey,
    timeoutMs: read.int('PAYMENT_TIMEOUT_MS', 5000, { min: 100, max: 120_000 }),
  };
}

function tracingConfig(read: ReturnType<typeof reader>): Config['tracing'] {
  const url = (name: string): string | null => {
    const value = read.string(name, '');
    if (value === '') return null;
    if (!URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol))
      throw new ConfigError(name, `must be an http(s) URL, got "${value}"`);
    return value;
  };
  const base = url('OTEL_EXPORTER_OTLP_ENDPOINT');
  // The OpenTelemetry rule: the signal-specific variable is the full URL; the base one gets the signal's path.
  const tracesEndpoint =
    url('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT') ?? (base ? `${base.replace(/\/+$/, '')}/v1/traces` : null);
  const disabled = read.bool('OTEL_SDK_DISABLED', false);
  return {
    enabled: !disabled && tracesEndpoint !== null,
    tracesEndpoint,
    serviceName: read.string('OTEL_SERVICE_NAME', 'order-service'),
    sampleRatio: read.number('OTEL_TRACES_SAMPLER_ARG', 1, { min: 0, max: 1 }),
  };
}

function corsOrigins(value: string): string[] | boolean {
  if (value === '') return false;
  if (value === '*') return true;
  return value.split(',').map((origin) => origin.trim());
}

function isStockTable(value: unknown): value is Record<string, number> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((stock) => Number.isSafeInteger(stock) && (stock as number) >= 0)
  );
}

function reader(source: Source) {
  const raw = (name: string): string | undefined => {
    const value = source[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const number = (name: string, fallback: number, range: { min: number; max: number }): number => {
    const value = raw(name);
    if (value === undefined) return fallback;
    const parsed = Number(value);
    if (!Number.isFinite(parsed)) throw new ConfigError(name, `must be a number, got "${value}"`);
    if (parsed < range.min || parsed > range.max) {
      throw new ConfigError(name, `must be between ${range.min} and ${range.max}, got ${parsed}`);
    }
    return parsed;
  };
  return {
    string: (name: string, fallback: string): string => raw(name) ?? fallback,
    number,
    int(name: string, fallback: number, range: { min: number; max: number }): number {
      const parsed = number(name, fallback, range);
      if (!Number.isInteger(parsed)) throw new ConfigError(name, `must be a whole number, got ${parsed}`);
      return parsed;
    },
    bool(name: string, fallback: boolean): boolean {
      const value = raw(name)?.toLowerCase();
      if (value === undefined) return fallback;
      if (['1', 'true', 'yes', 'on'].includes(value)) return true;
      if (['0', 'false', 'no', 'off'].includes(value)) return false;
      throw new ConfigError(name, `must be true or false, got "${value}"`);
    },
    oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
      const value = raw(name);
      if (value === undefined) return fallback;
      if (!(allowed as readonly string[]).includes(value)) {
        throw new ConfigError(name, `must be one of ${allowed.join(', ')}, got "${value}"`);
      }
      return value as T;
    },
    listOf(name: string, allowed: readonly string[], fallback: string[]): string[] {
      const value = raw(name);
      if (value === undefined) return fallback;
      const items = value.split(',').map((item) => item.trim());
      const bad = items.find((item) => !allowed.includes(item));
      if (bad !== undefined) throw new ConfigError(name, `must be among ${allowed.join(', ')}, got "${bad}"`);
      return items;
    },
    json<T>(name: string, fallback: T, guard: (value: unknown) => value is T): T {
      const value = raw(name);
      if (value === undefined) return fallback;
      let parsed: unknown;
      try {
        parsed = JSON.parse(value);
      } catch {
        throw new ConfigError(name, 'must be valid JSON');
      }
      if (!guard(parsed)) throw new ConfigError(name, 'has the wrong shape');
      return parsed;
    },
    optionalMinorUnits(name: string): number | null {
      const value = raw(name);
      if (value === undefined) return null;
      if (!/^\d+(\.\d{1,2})?$/.test(value))
        throw new ConfigError(name, `must be a decimal amount, got "${value}"`);
      const [whole = '0', fraction = ''] = value.split('.');
      return Number(whole + fraction.padEnd(2, '0'));
    },
  };
}
