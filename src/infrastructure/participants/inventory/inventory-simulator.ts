import type { Selectable, Transaction } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import type { Envelope, LineItem, Reply } from '../../../application/messaging/contract.js';
import type { Database } from '../../db/schema.js';
import { readTogether, type StatementBatch } from '../../db/statement-batch.js';
import { simulateLatency } from '../latency.js';
import { lockingRead, type ParticipantStore, replyLedger, sharedDecisions } from '../ledger.js';
import { InvalidCommand, type Participant, payloadOf, requireString } from '../participant.js';
import { createReplyFactory, type ReplyDeps } from '../replies.js';

export interface InventorySimulatorOptions extends ReplyDeps {
  /** Stock of any product not listed in `stock`. Default 1 000 000. */
  defaultStock?: number;
  /** Stock per product id, e.g. `{ 'out-of-stock-sku': 0 }`: a product's units when it is first reserved. */
  stock?: Readonly<Record<string, number>>;
  latencyMs?: number;
}

export interface InventorySimulator extends Participant {
  /** Units of a product neither reserved nor committed. */
  available(productId: string): Promise<number>;
}

type Trx = Transaction<Database>;
type Reservation = Selectable<Database['inventory_reservations']>;
type Outcome = { type: Reply['type']; payload: Record<string, unknown> };

/**
 * The inventory participant: all-or-nothing reservations held per order, released back to stock
 * or committed. What it did lives in its tables (migration 0012), never in memory: each command is
 * decided and recorded in one transaction, keyed by the order, so a copy redelivered after a crash,
 * or running beside the first on another consumer, finds the first one's outcome instead of
 * reserving again.
 */
export function createInventorySimulator(
  store: ParticipantStore,
  options: InventorySimulatorOptions = {},
): InventorySimulator {
  const defaultStock = options.defaultStock ?? 1_000_000;
  const configured = new Map(Object.entries(options.stock ?? {}));
  const newId = options.newId ?? uuidv7;
  const replyTo = createReplyFactory(options);
  const replies = replyLedger('inventory');
  const locking = lockingRead(store);
  // Commands that arrive together at saturation share a transaction.
  const decideOnce = sharedDecisions(store);
  const initialStock = (productId: string) => configured.get(productId) ?? defaultStock;
  const reply = (command: Envelope, outcome: Outcome) =>
    replyTo(command, outcome.type, outcome.payload as never);

  /** The order's reservation, locked: every decision starts from it. */
  const reservationRead = (trx: Trx, orderId: string) =>
    locking(trx.selectFrom('inventory_reservations').selectAll().where('order_id', '=', orderId));

  const saveReservation = (
    writes: StatementBatch,
    orderId: string,
    row: {
      reservationId: string | null;
      status: Database['inventory_reservations']['status'];
      items: Map<string, number>;
      outcome: Outcome;
    },
  ) =>
    writes.insert('inventory_reservations', [
      {
        order_id: orderId,
        reservation_id: row.reservationId,
        status: row.status,
        items: JSON.stringify(Object.fromEntries(row.items)),
        outcome: JSON.stringify(row.outcome),
        updated_at: Date.now(),
      },
    ]);

  /** Stock rows of these products, locked, created at their initial stock when first seen. */
  const stockOf = async (trx: Trx, productIds: string[]): Promise<Map<string, number>> => {
    const sorted = [...productIds].sort();
    const rows = await locking(
      trx
        .selectFrom('inventory_stock')
        .select(['product_id', 'available'])
        .where('product_id', 'in', sorted)
        .orderBy('product_id'),
    ).execute();
    const stock = new Map(rows.map((row) => [row.product_id, Number(row.available)]));
    const missing = sorted.filter((productId) => !stock.has(productId));
    if (missing.length > 0) {
      // A concurrent first reserve of the same product meets the key: the decision runs again.
      await trx
        .insertInto('inventory_stock')
        .values(missing.map((productId) => ({ product_id: productId, available: initialStock(productId) })))
        .execute();
      for (const productId of missing) stock.set(productId, initialStock(productId));
    }
    return stock;
  };

  const adjust = (trx: Trx, writes: StatementBatch, items: Map<string, number>, sign: 1 | -1) => {
    for (const [productId, quantity] of [...items].sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (quantity === 0) continue;
      writes.add(
        trx
          .updateTable('inventory_stock')
          .set((eb) => ({ available: eb('available', '+', sign * quantity) }))
          .where('product_id', '=', productId),
      );
    }
  };

  const reserve = async (
    trx: Trx,
    writes: StatementBatch,
    command: Envelope,
    orderId: string,
    previous: Reservation | undefined,
    lines: LineItem[],
  ): Promise<Reply> => {
    if (previous) return reply(command, JSON.parse(previous.outcome) as Outcome);

    const items = totalsByProduct(lines);
    const invalid = [...items].filter(([, quantity]) => !Number.isInteger(quantity) || quantity <= 0);
    const reject = (reason: string, productIds: string[]) => {
      const outcome: Outcome = { type: 'inventory.rejected', payload: { orderId, reason, productIds } };
      saveReservation(writes, orderId, {
        reservationId: null,
        status: 'rejected',
        items: new Map(),
        outcome,
      });
      return reply(command, outcome);
    };
    if (items.size === 0) return reject('no items', []);
    if (invalid.length > 0)
      return reject(
        'invalid quantity',
        invalid.map(([productId]) => productId),
      );

    const stock = await stockOf(trx, [...items.keys()]);
    const short = [...items].filter(([productId, quantity]) => (stock.get(productId) ?? 0) < quantity);
    if (short.length > 0)
      return reject(
        'out of stock',
        short.map(([productId]) => productId),
      );

    adjust(trx, writes, items, -1);
    const outcome: Outcome = { type: 'inventory.reserved', payload: { orderId, reservationId: newId() } };
    saveReservation(writes, orderId, {
      reservationId: outcome.payload.reservationId as string,
      status: 'reserved',
      items,
      outcome,
    });
    return reply(command, outcome);
  };

  // Releasing what was never reserved is a no-op, like any compensation with nothing to undo.
  // Releasing a committed reservation returns its stock too: that is a cancelled, paid order.
  const release = (
    trx: Trx,
    writes: StatementBatch,
    command: Envelope,
    orderId: string,
    reservation: Reservation | undefined,
    reservationId: string | undefined,
    lines: LineItem[] | undefined,
  ): Reply => {
    const released = replyTo(command, 'inventory.released', { orderId });
    // Naming a reservation releases that one only; an id this participant never gave out holds nothing.
    if (reservationId !== undefined && reservation?.reservation_id !== reservationId) return released;
    if (!reservation) {
      // A release that overtook its reserve (the saga gave up first) must keep that reserve from holding stock.
      saveReservation(writes, orderId, {
        reservationId: null,
        status: 'released',
        items: new Map(),
        outcome: {
          type: 'inventory.rejected',
          payload: { orderId, reason: 'released before reserved', productIds: [] },
        },
      });
      return released;
    }
    if (reservation.status !== 'reserved' && reservation.status !== 'committed') return released;
    const held = new Map(Object.entries(JSON.parse(reservation.items) as Record<string, number>));
    if (lines) {
      // Only these units (the unshipped part of a partly shipped order): the rest stays committed.
      const units = totalsByProduct(lines);
      for (const [productId, quantity] of units) {
        const holding = held.get(productId) ?? 0;
        const freed = Math.min(holding, quantity);
        held.set(productId, holding - freed);
        units.set(productId, freed);
      }
      adjust(trx, writes, units, 1);
      writes.add(
        trx
          .updateTable('inventory_reservations')
          .set({ items: JSON.stringify(Object.fromEntries(held)), updated_at: Date.now() })
          .where('order_id', '=', orderId),
      );
      return released;
    }
    adjust(trx, writes, held, 1);
    writes.add(
      trx
        .updateTable('inventory_reservations')
        .set({ status: 'released', updated_at: Date.now() })
        .where('order_id', '=', orderId),
    );
    return released;
  };

  // A shipment commits its units of the reservation; reserved stock is already out of
  // `available`, so committing only marks it as gone for good. Repeats answer the same.
  const commit = (
    trx: Trx,
    writes: StatementBatch,
    command: Envelope,
    orderId: string,
    reservation: Reservation | undefined,
    shipmentId: string | undefined,
  ) => {
    if (!reservation || (reservation.status !== 'reserved' && reservation.status !== 'committed')) {
      throw new InvalidCommand(`inventory.commit: order ${orderId} holds no reservation to commit`);
    }
    if (reservation.status === 'reserved') {
      writes.add(
        trx
          .updateTable('inventory_reservations')
          .set({ status: 'committed', updated_at: Date.now() })
          .where('order_id', '=', orderId),
      );
    }
    return replyTo(command, 'inventory.committed', { orderId, ...(shipmentId && { shipmentId }) });
  };

  const decide = async (
    trx: Trx,
    writes: StatementBatch,
    command: Envelope,
    payload: Record<string, unknown>,
    orderId: string,
    reservation: Reservation | undefined,
  ): Promise<Reply> => {
    switch (command.type) {
      case 'inventory.reserve':
        return reserve(trx, writes, command, orderId, reservation, lineItems(payload));
      case 'inventory.release':
        return release(
          trx,
          writes,
          command,
          orderId,
          reservation,
          typeof payload.reservationId === 'string' ? payload.reservationId : undefined,
          Array.isArray(payload.items) ? lineItems(payload) : undefined,
        );
      case 'inventory.commit':
        return commit(
          trx,
          writes,
          command,
          orderId,
          reservation,
          typeof payload.shipmentId === 'string' ? payload.shipmentId : undefined,
        );
      default:
        throw new InvalidCommand(`inventory cannot handle "${command.type}"`);
    }
  };

  return {
    async available(productId) {
      const row = await store.db
        .selectFrom('inventory_stock')
        .select('available')
        .where('product_id', '=', productId)
        .executeTakeFirst();
      return row ? Number(row.available) : initialStock(productId);
    },
    async handle(command) {
      await simulateLatency(options.latencyMs ?? 0);
      const payload = payloadOf(command);
      const orderId = requireString(payload, 'orderId');
      return decideOnce(async (trx, writes) => {
        // The reply already sent, if any, and the order's reservation: one round trip.
        const [sent = [], reservation = []] = await readTogether(trx, store.dialect, [
          replies.findRead(trx, command.messageId),
          reservationRead(trx, orderId),
        ]);
        const known = replies.replyFrom(sent);
        if (known) return known;
        const answer = await decide(
          trx,
          writes,
          command,
          payload,
          orderId,
          reservation[0] as Reservation | undefined,
        );
        writes.add(replies.recordingOf(trx, command.messageId, answer));
        return answer;
      });
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
