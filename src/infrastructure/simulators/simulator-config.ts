import type { InventorySimulatorOptions } from './inventory-simulator.js';
import type { SimulatedPaymentOptions } from './payment-simulator.js';

export interface SimulatorProcessConfig {
  rabbitmqUrl: string;
  inventory: InventorySimulatorOptions;
  payment: SimulatedPaymentOptions & { latencyMs: number };
}

/**
 * Reads the simulator process's environment: RABBITMQ_HOST/PORT/USER/PASSWORD and SIM_DEFAULT_STOCK,
 * SIM_STOCK (JSON object productId → units), SIM_PAYMENT_DECLINE_ABOVE (a decimal amount, e.g.
 * 10000.00), SIM_FAILURE_RATE (0..1), SIM_LATENCY_MS. Throws on the first invalid value.
 */
export function parseSimulatorConfig(
  env: Readonly<Record<string, string | undefined>>,
): SimulatorProcessConfig {
  const host = env.RABBITMQ_HOST || '127.0.0.1';
  const port = integer(env, 'RABBITMQ_PORT', 5672);
  const user = encodeURIComponent(env.RABBITMQ_USER || 'guest');
  const password = encodeURIComponent(env.RABBITMQ_PASSWORD || 'guest');
  const latencyMs = integer(env, 'SIM_LATENCY_MS', 0);
  const declineAbove = env.SIM_PAYMENT_DECLINE_ABOVE;
  const failureRate = Number(env.SIM_FAILURE_RATE || 0);
  if (!(failureRate >= 0 && failureRate <= 1))
    throw new Error('SIM_FAILURE_RATE must be a number from 0 to 1');
  return {
    rabbitmqUrl: `amqp://${user}:${password}@${host}:${port}`,
    inventory: {
      defaultStock: integer(env, 'SIM_DEFAULT_STOCK', 1_000_000),
      stock: stockTable(env.SIM_STOCK),
      latencyMs,
    },
    payment: {
      declineAboveMinor: declineAbove ? decimalToMinor('SIM_PAYMENT_DECLINE_ABOVE', declineAbove) : undefined,
      failureRate,
      latencyMs,
    },
  };
}

function integer(env: Readonly<Record<string, string | undefined>>, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
  return Number(raw);
}

function stockTable(raw: string | undefined): Record<string, number> {
  if (!raw) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new Error('SIM_STOCK must be a JSON object of productId to units');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error('SIM_STOCK must be a JSON object of productId to units');
  }
  for (const [productId, units] of Object.entries(parsed)) {
    if (!Number.isSafeInteger(units) || (units as number) < 0) {
      throw new Error(`SIM_STOCK["${productId}"] must be a non-negative integer`);
    }
  }
  return parsed as Record<string, number>;
}

/** Exact decimal to minor units (two decimals), without float arithmetic. */
function decimalToMinor(name: string, raw: string): number {
  const match = /^(\d+)(?:\.(\d{1,2}))?$/.exec(raw.trim());
  if (!match) throw new Error(`${name} must be a decimal amount like 10000.00, got "${raw}"`);
  const [, whole = '0', fraction = ''] = match;
  return Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
}
