import type { Logger } from 'pino';
import { topology } from '../../application/messaging/contract.js';
import { runInBackground } from '../background.js';
import type { Consumer, MessageBus } from '../messaging/bus.js';
import {
  createInventorySimulator,
  type InventorySimulator,
  type InventorySimulatorOptions,
} from './inventory/inventory-simulator.js';
import { type ParticipantStore, purgeOldReplies } from './ledger.js';
import type { Participant } from './participant.js';
import { createPaymentParticipant } from './payment/payment-participant.js';
import type { PaymentProvider } from './payment/payment-provider.js';
import {
  createSimulatedPaymentProvider,
  type SimulatedPaymentOptions,
  type SimulatedPaymentProvider,
} from './payment/payment-simulator.js';

export interface SimulatorsOptions {
  logger: Logger;
  /** Where the participants keep what they did (migration 0012): the service's database or their own. */
  store: ParticipantStore;
  inventory?: InventorySimulatorOptions;
  payment?: SimulatedPaymentOptions & { latencyMs?: number };
  /** Serves payment commands with this provider instead of the simulated one. */
  paymentProvider?: PaymentProvider;
}

export interface RunningSimulators {
  inventory: InventorySimulator;
  payment: Participant;
  /** The simulated payment provider, when no real one is configured. */
  simulatedPayments: SimulatedPaymentProvider | null;
  /** Stops consuming; the bus stays open (it belongs to the caller). */
  close(): Promise<void>;
}

/** Serves the inventory and payment command queues on `bus`, replying on the replies exchange. */
export function startSimulators(bus: MessageBus, options: SimulatorsOptions): RunningSimulators {
  const inventory = createInventorySimulator(options.store, options.inventory);
  const simulatedPayments = options.paymentProvider
    ? null
    : createSimulatedPaymentProvider(options.store, options.payment);
  const payment = createPaymentParticipant({
    store: options.store,
    provider: options.paymentProvider ?? (simulatedPayments as SimulatedPaymentProvider),
    latencyMs: options.payment?.latencyMs,
  });
  const consumers = [
    serveParticipant(bus, topology.inventoryQueue, inventory, options.logger),
    serveParticipant(bus, topology.paymentQueue, payment, options.logger),
  ];
  // The replies kept per command outlive their use within minutes; a week's worth stays.
  const cleaner = runInBackground(
    'participant-replies',
    60_000,
    purgeOldReplies(options.store),
    options.logger,
  );
  return {
    inventory,
    payment,
    simulatedPayments,
    async close() {
      await Promise.all(consumers.map((consumer) => consumer.close()));
      await cleaner.stop();
    },
  };
}

/** Replies are routed by their type, so the order service's reply queue receives every one. */
export function serveParticipant(
  bus: MessageBus,
  queue: string,
  participant: Participant,
  logger: Logger,
): Consumer {
  return bus.consume(queue, async ({ envelope }) => {
    const reply = await participant.handle(envelope);
    await bus.publish({ exchange: topology.repliesExchange, routingKey: reply.type, envelope: reply });
    logger.debug(
      {
        command: envelope.type,
        commandId: envelope.messageId,
        reply: reply.type,
        orderId: reply.correlationId,
      },
      'simulator replied',
    );
  });
}
