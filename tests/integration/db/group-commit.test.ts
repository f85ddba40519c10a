import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { placeOrder } from '../../../src/application/commands/create-order.js';
import { idempotentCreateOrder } from '../../../src/application/commands/idempotent-create-order.js';
import type { UnitOfWork } from '../../../src/application/ports.js';
import { Forbidden, OrderNotFound, ValidationError } from '../../../src/domain/errors.js';
import { Order } from '../../../src/domain/order.js';
import type { DatabaseHandle } from '../../../src/infrastructure/db/connection.js';
import { migrateToLatest } from '../../../src/infrastructure/db/migrate.js';
import { createUnitOfWork } from '../../../src/infrastructure/db/unit-of-work.js';
import { anOrder } from '../../support/builders.js';
import { connectTestDatabase } from '../../support/database.js';
import { requireMariaDb } from '../../support/services.js';

const available = await requireMariaDb();

const customer = { subject: 'customer-group', roles: ['customer'] as const };
const request = {
  customerId: 'customer-group',
  items: [{ productId: 'p-1', quantity: 1, price: 10 }],
  shippingAddress: { street: '1 Main St', city: 'Boston', state: 'MA', zipCode: '02108' },
};

describe.each(['sqlite', 'mysql'] as const)('group commit (uow.runShared) on %s', (dialect) => {
  const skip = dialect === 'mysql' && !available;
  let connection: Awaited<ReturnType<typeof connectTestDatabase>> | undefined;
  let handle: DatabaseHandle;
  let uow: UnitOfWork;
  /** Orders each committed transaction wrote, one entry per commit. */
  const commits: number[] = [];
  const place = placeOrder({ clock: () => new Date() });
  const newOrderId = (): string => randomUUID();
  const stored = async (ids: string[]) =>
    (await handle.db.selectFrom('orders').select('id').where('id', 'in', ids).execute()).map((row) => row.id);
  const outboxRows = async (ids: string[]) =>
    (
      await handle.db
        .selectFrom('outbox')
        .select('correlation_id')
        .where('correlation_id', 'in', ids)
        .execute()
    ).length;

  /** Stores a copy of `order` under a new id, and returns the id. */
  const storedCopy = async (order: Order) => {
    const id = newOrderId();
    await uow.run(async (repositories) => {
      repositories.orders.insert(Order.rehydrate({ ...order.snapshot(), id }));
    });
    return id;
  };
  /**
   * Starts `works` while four works (more than there are lanes) hold every lane, so they wait and
   * then share one transaction; each one's result.
   */
  const inOneGroup = async <T>(works: Array<() => Promise<T>>): Promise<T[]> => {
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const blockers = Array.from({ length: 4 }, () => uow.runShared(() => gate));
    const results = works.map((work) => work());
    release();
    await Promise.all(blockers);
    return Promise.all(results);
  };

  beforeAll(async () => {
    if (skip) return;
    connection = await connectTestDatabase(dialect);
    handle = connection.handle;
    await migrateToLatest(handle);
    uow = createUnitOfWork({
      db: handle.db,
      dialect: handle.dialect,
      now: Date.now,
      // One message per order event, so a lost or doubled event message shows in the outbox.
      eventMessages: (order, events) =>
        events.map((event) => ({
          exchange: 'orders',
          routingKey: event.type,
          envelope: {
            messageId: randomUUID(),
            type: event.type,
            correlationId: order.id,
            causationId: null,
            occurredAt: new Date().toISOString(),
            payload: {},
          },
        })),
      afterCommit: [(changes) => commits.push(changes.length)],
    });
  });
  afterAll(async () => connection?.close());

  it.skipIf(skip)('works that arrive together share transactions, each keeps its own result', async () => {
    commits.length = 0;
    const ids = Array.from({ length: 40 }, newOrderId);
    const results = await Promise.all(
      ids.map((id) => uow.runShared(async (repositories) => place(customer, request, id)(repositories).id)),
    );
    expect(results).toEqual(ids);
    expect((await stored(ids)).sort()).toEqual([...ids].sort());
    expect(await outboxRows(ids)).toBe(ids.length);
    // Every order committed, in fewer transactions than orders: they were shared.
    expect(commits.reduce((sum, n) => sum + n, 0)).toBe(ids.length);
    expect(commits.length).toBeLessThan(ids.length / 2);
  });

  it.skipIf(skip)('a work alone at a quiet moment runs at once, in its own transaction', async () => {
    commits.length = 0;
    const id = newOrderId();
    await uow.runShared(async (repositories) => place(customer, request, id)(repositories));
    expect(commits).toEqual([1]);
    expect(await stored([id])).toEqual([id]);
  });

  it.skipIf(skip)(
    'a failing work gets its own error and rolls back no one else’s work, and nothing of its own',
    async () => {
      commits.length = 0;
      const ids = Array.from({ length: 24 }, newOrderId);
      const failing = new Set([ids[6], ids[17]]);
      const outcomes = await Promise.allSettled(
        ids.map((id) =>
          uow.runShared(async (repositories) => {
            const order = place(customer, request, id)(repositories);
            if (failing.has(id)) throw new OrderNotFound(`no-such-order-${id}`);
            return order.id;
          }),
        ),
      );
      outcomes.forEach((outcome, index) => {
        const id = ids[index] as string;
        if (failing.has(id)) {
          expect(outcome.status).toBe('rejected');
          expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(OrderNotFound);
          expect((outcome as PromiseRejectedResult).reason.message).toContain(`no-such-order-${id}`);
        } else {
          expect(outcome).toEqual({ status: 'fulfilled', value: id });
        }
      });
      const kept = ids.filter((id) => !failing.has(id));
      expect((await stored(ids)).sort()).toEqual(kept.sort());
      // Each kept order's messages once, none of the failed ones': a retried group wrote nothing.
      expect(await outboxRows(ids)).toBe(kept.length);
    },
  );

  it.skipIf(skip)('refuses an order its caller may not place before any transaction is opened', async () => {
    let transactions = 0;
    const counted: UnitOfWork = {
      run: (work, options) => {
        transactions += 1;
        return uow.run(work, options);
      },
      runShared: (work, options) => {
        transactions += 1;
        return uow.runShared(work, options);
      },
    };
    const create = idempotentCreateOrder({ uow: counted, place, newId: newOrderId });
    await expect(create(customer, { ...request, customerId: 'someone-else' })).rejects.toBeInstanceOf(
      Forbidden,
    );
    await expect(create(customer, { ...request, currency: 'XXX' })).rejects.toBeInstanceOf(ValidationError);
    expect(transactions).toBe(0);
    const { order: placed } = await create(customer, request);
    expect(transactions).toBe(1);
    expect(await stored([placed.id])).toEqual([placed.id]);
  });

  it.skipIf(skip)('two works on one order that meet in a group both land, one after the other', async () => {
    const id = await storedCopy(anOrder().inStatus('CONFIRMED').build());
    const move = (to: 'PROCESSING' | 'SHIPPED') =>
      uow.runShared(async (repositories) => {
        const current = await repositories.orders.findByIdForUpdate(id);
        if (!current) throw new OrderNotFound(id);
        // The second finds the order as the first left it only once it runs alone.
        const target = current.status === 'CONFIRMED' ? 'PROCESSING' : to;
        current.changeStatus({ to: target, actor: 'service', trackingNumber: '1Z999', now: new Date() });
        repositories.orders.update(current);
        return target;
      });
    const moves = await inOneGroup([() => move('SHIPPED'), () => move('SHIPPED')]);
    // Run alone, one after the other (whichever locked the order first moved it to PROCESSING).
    expect(moves.sort()).toEqual(['PROCESSING', 'SHIPPED']);
    const [row] = await handle.db
      .selectFrom('orders')
      .select(['status', 'version'])
      .where('id', '=', id)
      .execute();
    expect(row?.status).toBe('SHIPPED');
    const history = await handle.db
      .selectFrom('order_status_history')
      .select('status')
      .where('order_id', '=', id)
      .orderBy('seq')
      .execute();
    expect(history.map((entry) => entry.status).slice(-2)).toEqual(['PROCESSING', 'SHIPPED']);
  });

  it.skipIf(skip)(
    'two works that move one order without a status change both land: neither overwrites the other',
    async () => {
      // Saga progress adds no history row, so only the version check can tell the second update
      // from a lost one; a lock taken twice in one transaction keeps neither work from the other.
      const order = anOrder().build();
      const id = await storedCopy(order);
      const progress = () =>
        uow.runShared(async (repositories) => {
          const current = await repositories.orders.findByIdForUpdate(id);
          if (!current) throw new OrderNotFound(id);
          if (current.snapshot().inventory.status === 'NOT_STARTED') current.requestReservation(new Date());
          else current.recordReservation('res-1', new Date());
          repositories.orders.update(current);
          return current.snapshot().inventory.status;
        });
      const moves = await inOneGroup([progress, progress]);
      expect(moves.sort()).toEqual(['PENDING', 'RESERVED']);
      const [row] = await handle.db
        .selectFrom('orders')
        .select(['inventory_status', 'version'])
        .where('id', '=', id)
        .execute();
      expect(row?.inventory_status).toBe('RESERVED');
      expect(Number(row?.version)).toBe(order.snapshot().version + 2);
    },
  );
});
