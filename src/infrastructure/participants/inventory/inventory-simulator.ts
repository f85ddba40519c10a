import { v7 as uuidv7 } from 'uuid';
import type { Envelope, LineItem, Reply } from '../../../application/messaging/contract.js';
import { simulateLatency } from '../latency.js';
import { InvalidCommand, type Participant, payloadOf, requireString } from '../participant.js';
import { createReplyFactory, type ReplyDeps } from '../replies.js';

export interface InventorySimulatorOptions extends ReplyDeps {
  /** Stock of any product not listed in `stock`. Default 1 000 000. */
  defaultStock?: number;
  /** Stock per product id, e.g. `{ 'out-of-stock-sku': 0 }`. */
  stock?: Readonly<Record<string, number>>;
  latencyMs?: number;
}

export interface InventorySimulator extends Participant {
  /** Units of a product neither reserved nor committed. */
  available(productId: string): number;
}

type ReservationStatus = 'reserved' | 'committed' | 'released';

interface Reservation {
  reservationId: string;
  items: Map<string, number>;
  status: ReservationStatus;
}

/**
 * The inventory participant: all-or-nothing reservations held per order, released back to stock
 * or committed. Every decision happens after the simulated latency and without awaiting, so two
 * copies of one command cannot interleave and reserve twice.
 */
export function createInventorySimulator(options: InventorySimulatorOptions = {}): InventorySimulator {
  const defaultStock = options.defaultStock ?? 1_000_000;
  const newId = options.newId ?? uuidv7;
  const replyTo = createReplyFactory(options);
  const stock = new Map(Object.entries(options.stock ?? {}));
  const reservations = new Map<string, Reservation>();
  /** First reserve outcome per order, replayed to any later reserve for the same order. */
  const reserveOutcomes = new Map<string, Reply>();
  /** Replies by command messageId, so a redelivered command gets the very same reply back. */
  const replies = new Map<string, Reply>();

  const available = (productId: string) => stock.get(productId) ?? defaultStock;
  const adjust = (items: Map<string, number>, sign: 1 | -1) => {
    for (const [productId, quantity] of items) stock.set(productId, available(productId) + sign * quantity);
  };

  const reserve = (command: Envelope, orderId: string, lines: LineItem[]): Reply => {
    const previous = reserveOutcomes.get(orderId);
    if (previous) return replyTo(command, previous.type, previous.payload as never);

    const items = totalsByProduct(lines);
    const invalid = [...items].filter(([, quantity]) => !Number.isInteger(quantity) || quantity <= 0);
    const short = [...items].filter(([productId, quantity]) => available(productId) < quantity);
    let reply: Reply;
    if (invalid.length > 0 || items.size === 0) {
      reply = replyTo(command, 'inventory.rejected', {
        orderId,
        reason: items.size === 0 ? 'no items' : 'invalid quantity',
        productIds: invalid.map(([productId]) => productId),
      });
    } else if (short.length > 0) {
      reply = replyTo(command, 'inventory.rejected', {
        orderId,
        reason: 'out of stock',
        productIds: short.map(([productId]) => productId),
      });
    } else {
      adjust(items, -1);
      const reservationId = newId();
      reservations.set(orderId, { reservationId, items, status: 'reserved' });
      reply = replyTo(command, 'inventory.reserved', { orderId, reservationId });
    }
    reserveOutcomes.set(orderId, reply);
    return reply;
  };

  // Releasing what was never reserved is a no-op, like any compensation with nothing to undo.
  // Releasing a committed reservation returns its stock too: that is a cancelled, paid order.
  const release = (
    command: Envelope,
    orderId: string,
    reservationId: string | undefined,
    lines: LineItem[] | undefined,
  ): Reply => {
    const reservation = reservations.get(orderId);
    // Naming a reservation releases that one only; an id this participant never gave out holds nothing.
    if (reservationId !== undefined && reservation?.reservationId !== reservationId) {
      return replyTo(command, 'inventory.released', { orderId });
    }
    // Only these units (the unshipped part of a partly shipped order): the rest stays committed.
    if (lines && reservation && reservation.status !== 'released') {
      const units = totalsByProduct(lines);
      for (const [productId, quantity] of units) {
        const held = reservation.items.get(productId) ?? 0;
        const released = Math.min(held, quantity);
        reservation.items.set(productId, held - released);
        units.set(productId, released);
      }
      adjust(units, 1);
      return replyTo(command, 'inventory.released', { orderId });
    }
    if (reservation && reservation.status !== 'released') {
      adjust(reservation.items, 1);
      reservation.status = 'released';
    }
    // A release that overtook its reserve (the saga gave up first) must keep that reserve from holding stock.
    if (!reserveOutcomes.has(orderId)) {
      reserveOutcomes.set(
        orderId,
        replyTo(command, 'inventory.rejected', {
          orderId,
          reason: 'released before reserved',
          productIds: [],
        }),
      );
    }
    return replyTo(command, 'inventory.released', { orderId });
  };

  // A shipment commits its units of the reservation; reserved stock is already out of
  // `available`, so committing only marks it as gone for good. Repeats answer the same.
  const commit = (command: Envelope, orderId: string, shipmentId: string | undefined): Reply => {
    const reservation = reservations.get(orderId);
    if (!reservation || reservation.status === 'released') {
      throw new InvalidCommand(`inventory.commit: order ${orderId} holds no reservation to commit`);
    }
    reservation.status = 'committed';
    return replyTo(command, 'inventory.committed', { orderId, ...(shipmentId && { shipmentId }) });
  };

  const decide = (command: Envelope): Reply => {
    const payload = payloadOf(command);
    const orderId = requireString(payload, 'orderId');
    switch (command.type) {
      case 'inventory.reserve':
        return reserve(command, orderId, lineItems(payload));
      case 'inventory.release':
        return release(
          command,
          orderId,
          typeof payload.reservationId === 'string' ? payload.reservationId : undefined,
          Array.isArray(payload.items) ? lineItems(payload) : undefined,
        );
      case 'inventory.commit':
        return commit(
          command,
          orderId,
          typeof payload.shipmentId === 'string' ? payload.shipmentId : undefined,
        );
      default:
        throw new InvalidCommand(`inventory cannot handle "${command.type}"`);
    }
  };

  return {
    available,
    async handle(command) {
      await simulateLatency(options.latencyMs ?? 0);
      const known = replies.get(command.messageId);
      if (known) return known;
      const reply = decide(command);
      replies.set(command.messageId, reply);
      return reply;
    },
  };
}

function lineItems(payload: Record<string, unknown>): LineItem[] {
  const { items } = payload;
  if (!Array.isArray(items))
    throw new InvalidCommand('inventory.reserve: payload field "items" must be an array');
  return items.map((item: unknown) => {
    const line = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>;
    return { productId: requireString(line, 'productId'), quantity: Number(line.quantity) };
  });
}

function totalsByProduct(lines: LineItem[]): Map<string, number> {
  const totals = new Map<string, number>();
  for (const { productId, quantity } of lines) totals.set(productId, (totals.get(productId) ?? 0) + quantity);
  return totals;
}
