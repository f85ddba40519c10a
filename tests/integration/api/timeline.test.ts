import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Api, databases, expectProblem, orderBody, startApi, waitForStatus } from './api-kit.js';

interface Entry {
  at: string;
  kind: string;
  messageType: string | null;
  messageId: string | null;
  detail: string | null;
}

describe.each(databases)('GET /api/orders/{orderId}/timeline on %s', (kind, available) => {
  let api: Api;
  let orderId: string;
  beforeAll(async () => {
    if (!available) return;
    api = await startApi(kind);
    orderId = (await api.as('123').placeOrder(orderBody())).id;
    await vi.waitFor(
      async () => expect((await api.as('123').getOrder(orderId)).json().status).toBe('CONFIRMED'),
      { timeout: 10_000, interval: 50 },
    );
  });
  afterAll(async () => api?.close());

  it.skipIf(!available)('shows the owner each command and reply of the saga, oldest first', async () => {
    const response = await api.as('123').timeline(orderId);
    expect(response.statusCode).toBe(200);
    const { orderId: id, entries } = response.json() as { orderId: string; entries: Entry[] };
    expect(id).toBe(orderId);
    expect(entries.map((entry) => [entry.kind, entry.messageType])).toEqual([
      ['command', 'inventory.reserve'],
      ['reply', 'inventory.reserved'],
      ['command', 'payment.process'],
      ['reply', 'payment.succeeded'],
    ]);
    expect(entries[1]?.detail).toMatch(/^applied: reservation /);
    const times = entries.map((entry) => entry.at);
    expect([...times].sort()).toEqual(times);
  });

  it.skipIf(!available)('keeps saga steps out of the status history', async () => {
    const order = (await api.as('123').getOrder(orderId)).json();
    expect(order.statusHistory.map((change: { status: string }) => change.status)).toEqual([
      'PENDING',
      'CONFIRMED',
    ]);
  });

  it.skipIf(!available)(
    'adds the refund and release, and their confirmations, when the order is cancelled',
    async () => {
      const id = (await api.as('c-cancel').placeOrder(orderBody({ customerId: 'c-cancel' }))).id;
      await waitForStatus(api, id, 'CONFIRMED');
      expect((await api.as('c-cancel').setStatus(id, { status: 'CANCELLED' })).statusCode).toBe(200);
      await expect
        .poll(
          async () =>
            ((await api.as('c-cancel').timeline(id)).json().entries as Entry[])
              .slice(4)
              .map((entry) => `${entry.kind} ${entry.messageType}`)
              .sort(),
          { timeout: 10_000 },
        )
        .toEqual([
          'compensation inventory.release',
          'compensation payment.refund',
          'reply inventory.released',
          'reply payment.refunded',
        ]);
    },
  );

  it.skipIf(!available)('shows any order’s timeline to staff', async () => {
    expect((await api.as('ops', 'admin').timeline(orderId)).statusCode).toBe(200);
    expect((await api.as('fulfilment', 'service').timeline(orderId)).statusCode).toBe(200);
  });

  it.skipIf(!available)('hides someone else’s timeline behind a 404', async () => {
    const response = await api.as('456').timeline(orderId);
    expectProblem(response, 404);
    expect(response.body).not.toContain('inventory');
  });

  it.skipIf(!available)('answers 404 for an order that does not exist', async () => {
    expectProblem(await api.as('ops', 'admin').timeline('01900000-0000-7000-8000-000000000000'), 404);
  });
});
