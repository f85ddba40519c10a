import type { Config } from '../../config.js';
import type { SimulatorsOptions } from './start-simulators.js';

/** The simulators' behaviour from the SIM_* variables, for the embedded shape and the simulator process alike. */
export function simulatorOptions(simulators: Config['simulators']): Omit<SimulatorsOptions, 'logger'> {
  return {
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
