import { describe, expect, it } from 'vitest';
import { createInventorySimulator } from '../../../src/infrastructure/participants/inventory/inventory-simulator.js';
import { participantStore } from '../../support/participant-store.js';
import { aCommand, counterIds, fixedClock } from './simulator-fixtures.js';

const inventory = async (stock: Record<string, number> = {}) =>
  createInventorySimulator(await participantStore(), {
    defaultStock: 100,
    stock,
    newId: counterIds(),
    now: fixedClock,
  });

const reserve = (orderId: string, items: { productId: string; quantity: number }[], messageId?: string) =>
  aCommand('inventory.reserve', { orderId, items }, messageId);

describe('inventory simulator', () => {
  it('reserves the stock of an order and replies inventory.reserved', async () => {
    const sim = await inventory({ 'sku-1': 5 });
    const command = reserve('o-1', [{ productId: 'sku-1', quantity: 2 }]);

    const reply = await sim.handle(command);

    expect(reply).toEqual({
      messageId: 'id-2',
      type: 'inventory.reserved',
      correlationId: 'o-1',
      causationId: command.messageId,
      occurredAt: '2024-05-01T12:00:00.000Z',
      payload: { orderId: 'o-1', reservationId: 'id-1' },
    });
    expect(await sim.available('sku-1')).toBe(3);
  });

  it('uses the default stock for products it has no figure for', async () => {
    const sim = await inventory();

    await sim.handle(reserve('o-1', [{ productId: 'anything', quantity: 40 }]));

    expect(await sim.available('anything')).toBe(60);
  });

  it('rejects an order it cannot fill, listing the products short, and reserves nothing', async () => {
    const sim = await inventory({ 'out-of-stock-sku': 0, 'scarce-sku': 1 });

    const reply = await sim.handle(
      reserve('o-1', [
        { productId: 'out-of-stock-sku', quantity: 1 },
        { productId: 'scarce-sku', quantity: 1 },
        { productId: 'sku-plenty', quantity: 1 },
      ]),
    );

    expect(reply.type).toBe('inventory.rejected');
    expect(reply.payload).toEqual({
      orderId: 'o-1',
      reason: 'out of stock',
      productIds: ['out-of-stock-sku'],
    });
    expect(await sim.available('scarce-sku')).toBe(1);
    expect(await sim.available('sku-plenty')).toBe(100);
  });

  it('adds up lines of the same product before checking stock', async () => {
    const sim = await inventory({ 'sku-1': 3 });

    const reply = await sim.handle(
      reserve('o-1', [
        { productId: 'sku-1', quantity: 2 },
        { productId: 'sku-1', quantity: 2 },
      ]),
    );

    expect(reply.payload).toMatchObject({ reason: 'out of stock', productIds: ['sku-1'] });
  });

  it('rejects quantities that are not positive integers', async () => {
    const sim = await inventory();

    const reply = await sim.handle(reserve('o-1', [{ productId: 'sku-1', quantity: 0 }]));

    expect(reply.payload).toMatchObject({ reason: 'invalid quantity', productIds: ['sku-1'] });
  });

  it('returns the stock of a released reservation', async () => {
    const sim = await inventory({ 'sku-1': 5 });
    await sim.handle(reserve('o-1', [{ productId: 'sku-1', quantity: 2 }]));

    const reply = await sim.handle(
      aCommand('inventory.release', { orderId: 'o-1', reason: 'payment failed' }),
    );

    expect(reply).toMatchObject({
      type: 'inventory.released',
      correlationId: 'o-1',
      payload: { orderId: 'o-1' },
    });
    expect(await sim.available('sku-1')).toBe(5);
  });

  it('releases only once, however many release commands arrive', async () => {
    const sim = await inventory({ 'sku-1': 5 });
    await sim.handle(reserve('o-1', [{ productId: 'sku-1', quantity: 2 }]));

    await sim.handle(aCommand('inventory.release', { orderId: 'o-1', reason: 'timeout' }));
    await sim.handle(aCommand('inventory.release', { orderId: 'o-1', reason: 'timeout' }));

    expect(await sim.available('sku-1')).toBe(5);
  });

  it('treats releasing an order it never reserved as done', async () => {
    const reply = await (await inventory()).handle(
      aCommand('inventory.release', { orderId: 'o-9', reason: 'timeout' }),
    );

    expect(reply.type).toBe('inventory.released');
  });

  it('rejects a reserve that arrives after the release of the same order, holding no stock', async () => {
    const sim = await inventory({ 'sku-1': 5 });
    await sim.handle(aCommand('inventory.release', { orderId: 'o-late', reason: 'timed out' }));

    const reply = await sim.handle(reserve('o-late', [{ productId: 'sku-1', quantity: 2 }]));

    expect(reply.type).toBe('inventory.rejected');
    expect(await sim.available('sku-1')).toBe(5);
  });

  it('replies the very same reply to a redelivered command, reserving once', async () => {
    const sim = await inventory({ 'sku-1': 5 });
    const command = reserve('o-1', [{ productId: 'sku-1', quantity: 2 }], 'cmd-same');

    const first = await sim.handle(command);
    const second = await sim.handle(command);

    expect(second).toEqual(first);
    expect(await sim.available('sku-1')).toBe(3);
  });

  it('replies the same outcome to a second reserve for the same order, reserving once', async () => {
    const sim = await inventory({ 'sku-1': 5 });
    const first = await sim.handle(reserve('o-1', [{ productId: 'sku-1', quantity: 2 }]));
    const again = reserve('o-1', [{ productId: 'sku-1', quantity: 2 }]);

    const second = await sim.handle(again);

    expect(second).toMatchObject({
      type: 'inventory.reserved',
      causationId: again.messageId,
      payload: first.payload,
    });
    expect(await sim.available('sku-1')).toBe(3);
  });

  it('commits a reservation, keeping its stock taken', async () => {
    const sim = await inventory({ 'sku-1': 5 });
    await sim.handle(reserve('o-1', [{ productId: 'sku-1', quantity: 2 }]));

    const reply = await sim.handle(aCommand('inventory.commit', { orderId: 'o-1' }));

    expect(reply.type).toBe('inventory.committed');
    expect(await sim.available('sku-1')).toBe(3);
  });

  it('refuses to commit an order that holds no reservation', async () => {
    await expect(
      (await inventory()).handle(aCommand('inventory.commit', { orderId: 'o-9' })),
    ).rejects.toThrow(/no reservation/);
  });

  it('refuses commands that are not inventory commands', async () => {
    await expect((await inventory()).handle(aCommand('payment.process', { orderId: 'o-1' }))).rejects.toThrow(
      /cannot handle/,
    );
  });

  it('remembers what it did across a restart: a redelivered reserve gets the original reply and holds stock once', async () => {
    const store = await participantStore();
    const options = { stock: { 'sku-1': 5 }, now: fixedClock };
    const command = reserve('o-1', [{ productId: 'sku-1', quantity: 2 }], 'cmd-before-crash');
    const first = await createInventorySimulator(store, options).handle(command);

    // A new process (nothing in memory) on the same tables: the broker redelivers, the saga asks again.
    const restarted = createInventorySimulator(store, options);
    const redelivered = await restarted.handle(command);
    const askedAgain = await restarted.handle(reserve('o-1', [{ productId: 'sku-1', quantity: 2 }]));

    expect(redelivered).toEqual(first);
    expect(askedAgain).toMatchObject({ type: 'inventory.reserved', payload: first.payload });
    expect(await restarted.available('sku-1')).toBe(3);
  });
});
