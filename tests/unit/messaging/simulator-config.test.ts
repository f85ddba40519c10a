import { describe, expect, it } from 'vitest';
import { parseSimulatorConfig } from '../../../src/infrastructure/simulators/simulator-config.js';

describe('simulator process configuration', () => {
  it('defaults to a local broker, plenty of stock and no declines', () => {
    expect(parseSimulatorConfig({})).toEqual({
      rabbitmqUrl: 'amqp://guest:guest@127.0.0.1:5672',
      inventory: { defaultStock: 1_000_000, stock: {}, latencyMs: 0 },
      payment: { declineAboveMinor: undefined, failureRate: 0, latencyMs: 0 },
    });
  });

  it('reads every variable', () => {
    const config = parseSimulatorConfig({
      RABBITMQ_HOST: 'rabbit',
      RABBITMQ_PORT: '5673',
      RABBITMQ_USER: 'svc',
      RABBITMQ_PASSWORD: 'p@ss/word',
      SIM_DEFAULT_STOCK: '50',
      SIM_STOCK: '{"out-of-stock-sku": 0, "sku-1": 3}',
      SIM_PAYMENT_DECLINE_ABOVE: '10000.5',
      SIM_FAILURE_RATE: '0.25',
      SIM_LATENCY_MS: '40',
    });

    expect(config).toEqual({
      rabbitmqUrl: 'amqp://svc:p%40ss%2Fword@rabbit:5673',
      inventory: { defaultStock: 50, stock: { 'out-of-stock-sku': 0, 'sku-1': 3 }, latencyMs: 40 },
      payment: { declineAboveMinor: 1_000_050, failureRate: 0.25, latencyMs: 40 },
    });
  });

  it.each([
    [{ SIM_STOCK: '[1]' }, /SIM_STOCK/],
    [{ SIM_STOCK: '{"sku": -1}' }, /SIM_STOCK/],
    [{ SIM_PAYMENT_DECLINE_ABOVE: '10.999' }, /SIM_PAYMENT_DECLINE_ABOVE/],
    [{ SIM_FAILURE_RATE: '2' }, /SIM_FAILURE_RATE/],
    [{ SIM_LATENCY_MS: '-5' }, /SIM_LATENCY_MS/],
  ])('refuses %o', (env, message) => {
    expect(() => parseSimulatorConfig(env)).toThrow(message);
  });
});
