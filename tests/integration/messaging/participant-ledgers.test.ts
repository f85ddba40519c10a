import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reply } from '../../../src/application/messaging/contract.js';
import { loadConfig } from '../../../src/config.js';
import { connectDatabase, type DatabaseHandle } from '../../../src/infrastructure/db/connection.js';
import { migrateToLatest } from '../../../src/infrastructure/db/migrate.js';
import { createInventorySimulator } from '../../../src/infrastructure/participants/inventory/inventory-simulator.js';
import { createPaymentParticipant } from '../../../src/infrastructure/participants/payment/payment-participant.js';
import { createSimulatedPaymentProvider } from '../../../src/infrastructure/participants/payment/payment-simulator.js';
import { createTestDatabase, mysqlServer } from '../../support/database.js';
import { requireMariaDb } from '../../support/services.js';
import { aCommand } from '../../unit/messaging/simulator-fixtures.js';

const available = await requireMariaDb();
const pick = <T>(list: T[], i: number): T => list[i % list.length] as T;

/**
 * The simulators' tables on MariaDB, as the simulator process keeps them: copies of one command
 * handled at the same time by two simulator instances (two processes, or one redelivered beside
 * a slow first) act once, because deciding and recording is one transaction on a unique key.
 */
describe.skipIf(!available)('participant ledgers on MariaDB', () => {
  let database: { name: string; drop(): Promise<void> };
  let handles: DatabaseHandle[];

  beforeAll(async () => {
    database = await createTestDatabase('order_ledgers');
    const config = loadConfig({
      ENV: 'test',
      JWT_SECRET: 'participant-ledgers-test-secret-0123456789abcdef',
      ...mysqlServer(),
      MYSQL_DATABASE: database.name,
      MYSQL_POOL_SIZE: '6',
    });
    // Two pools: two simulator processes on one database.
    handles = [connectDatabase(config.database), connectDatabase(config.database)];
    await migrateToLatest(handles[0] as DatabaseHandle);
  });
  afterAll(async () => {
    for (const handle of handles ?? []) await handle.close();
    await database?.drop();
  });

  it('reserves once when copies of a reserve race on two simulators, and both answer alike', async () => {
    const sims = handles.map((store) => createInventorySimulator(store, { stock: { 'sku-race': 10 } }));
    const items = [{ productId: 'sku-race', quantity: 3 }];
    const redelivered = aCommand('inventory.reserve', { orderId: 'o-race', items }, 'cmd-race');
    const copies = Array.from({ length: 8 }, (_, i) =>
      i % 2 === 0 ? redelivered : aCommand('inventory.reserve', { orderId: 'o-race', items }),
    );

    const replies = await Promise.all(copies.map((command, i) => pick(sims, i).handle(command)));

    expect(new Set(replies.map((reply) => reply.type))).toEqual(new Set(['inventory.reserved']));
    const ids = new Set(replies.map((reply) => (reply.payload as { reservationId: string }).reservationId));
    expect(ids.size).toBe(1);
    // The copies of one command got the one message, so the saga's inbox drops all but the first.
    expect(new Set(replies.filter((_, i) => i % 2 === 0).map((reply: Reply) => reply.messageId)).size).toBe(
      1,
    );
    expect(await pick(sims, 0).available('sku-race')).toBe(7);
  });

  it('keeps stock exact when many orders reserve and release the same product at once', async () => {
    const sims = handles.map((store) => createInventorySimulator(store, { stock: { 'sku-hot': 50 } }));
    const orders = Array.from({ length: 20 }, (_, i) => `o-hot-${i}`);
    const reserve = (orderId: string) =>
      aCommand('inventory.reserve', { orderId, items: [{ productId: 'sku-hot', quantity: 2 }] });
    await Promise.all(orders.map((orderId, i) => pick(sims, i).handle(reserve(orderId))));
    expect(await pick(sims, 0).available('sku-hot')).toBe(10);

    // Each order released twice at once, from both simulators: its units come back once.
    await Promise.all(
      orders
        .slice(0, 10)
        .flatMap((orderId) => [
          pick(sims, 0).handle(aCommand('inventory.release', { orderId, reason: 'timeout' })),
          pick(sims, 1).handle(aCommand('inventory.release', { orderId, reason: 'timeout' })),
        ]),
    );
    expect(await pick(sims, 0).available('sku-hot')).toBe(30);
  });

  it('never sells more than it has when reserves that arrive together share a transaction', async () => {
    const sim = createInventorySimulator(pick(handles, 0), { stock: { 'sku-last': 10 } });
    const reserve = (i: number) =>
      aCommand('inventory.reserve', {
        orderId: `o-last-${i}`,
        items: [{ productId: 'sku-last', quantity: 1 }],
      });
    // More at once than the simulator has lanes, so most of them wait and then share transactions.
    const replies = await Promise.all(Array.from({ length: 30 }, (_, i) => sim.handle(reserve(i))));
    const count = (type: string) => replies.filter((reply) => reply.type === type).length;
    expect(count('inventory.reserved')).toBe(10);
    expect(count('inventory.rejected')).toBe(20);
    expect(await sim.available('sku-last')).toBe(0);
  });

  it('charges once when copies of a payment command race on two simulators, and refunds once', async () => {
    const providers = handles.map((store) => createSimulatedPaymentProvider(store));
    const participants = handles.map((store, i) =>
      createPaymentParticipant({ store, provider: providers[i] as (typeof providers)[number] }),
    );
    const payload = { orderId: 'o-pay', customerId: 'c-1', amountMinor: 2999, currency: 'EUR' };
    const replies = await Promise.all(
      Array.from({ length: 8 }, (_, i) => pick(participants, i).handle(aCommand('payment.process', payload))),
    );
    const transactions = new Set(
      replies.map((reply) => (reply.payload as { transactionId: string }).transactionId),
    );
    expect(transactions.size).toBe(1);
    const [transactionId] = [...transactions];

    const refund = {
      orderId: 'o-pay',
      transactionId,
      refundId: 'refund-1',
      amountMinor: 999,
      currency: 'EUR',
    };
    const refunds = await Promise.all(
      Array.from({ length: 6 }, (_, i) => pick(participants, i).handle(aCommand('payment.refund', refund))),
    );
    expect(new Set(refunds.map((reply) => reply.type))).toEqual(new Set(['payment.refunded']));
    expect(await providers[0]?.balance('o-pay')).toBe(2000);
  });
});
