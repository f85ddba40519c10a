import type { Config } from '../../config.js';
import { createHttpPaymentProvider } from './payment/http-payment-provider.js';
import type { SimulatorsOptions } from './start-simulators.js';

/**
 * The participants' behaviour from the SIM_* variables, for the embedded shape and the simulator
 * process alike; payments go to the configured provider (PAYMENT_PROVIDER), the simulated one by default.
 */
export function simulatorOptions({
  simulators,
  payment,
}: Pick<Config, 'simulators' | 'payment'>): Omit<SimulatorsOptions, 'logger' | 'store'> {
  return {
    ...(payment.provider === 'http' && {
      paymentProvider: createHttpPaymentProvider({
        baseUrl: payment.apiUrl,
        apiKey: payment.apiKey,
        timeoutMs: payment.timeoutMs,
      }),
    }),
    inventory: {
      defaultStock: simulators.defaultStock,
      stock: simulators.stock,
      latencyMs: simulators.latencyMs,
    },
    payment: {
      ...(simulators.paymentDeclineAboveMinor !== null && {
        declineAboveMinor: simulators.paymentDeclineAboveMinor,
      }),
      failureRate: simulators.failureRate,
      latencyMs: simulators.latencyMs,
    },
  };
}
