import { sql } from 'kysely';
import { pino } from 'pino';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RoutedMessage } from '../../../src/application/messaging/contract.js';
import { createOutboxRelay } from '../../../src/infrastructure/messaging/outbox-relay.js';
import { requireMariaDb } from '../../support/services.js';
import { startTestService, type TestService } from '../../support/test-service.js';

const available = await requireMariaDb();

/** A broker stand-in (a mock: the test must hold a confirm back at will) whose confirms the test releases. */
function heldBroker() {
  const waiting: { message: RoutedMessage; confirm: () => void; refuse: (error: Error) => void }[] = [];
  return {
    waiting,
    isConnected: () => true,
    publish: (message: RoutedMessage) =>
      new Promise<void>((confirm, refuse) => waiting.push({ message, confirm, refuse })),
  };
}

describe.skipIf(!available)('the outbox relay on MariaDB', () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService('mysql', {}, { background: false });
  });
  afterAll(async () => t?.stop());

  const addRows = async (n: number) => {
    const ids = Array.from({ length: n }, () => uuidv7());
    await t.service.database.db
      .insertInto('outbox')
      .values(
        ids.map((id) => ({
          message_id: id,
          exchange: 'orders.events',
          routing_key: 'order.created',
          type: 'order.created',
          correlation_id: id,
          body: JSON.stringify({ messageId: id, type: 'order.created', correlationId: id, payload: {} }),
          created_at: Date.now(),
          sent_at: null,
          last_error: null,
        })),
      )
      .execute();
    return ids;
  };
  const relayOn = (broker: ReturnType<typeof heldBroker>, leaseMs = 60_000, db = t.service.database.db) =>
    createOutboxRelay({
      db,
      dialect: 'mysql',
      bus: broker,
      batchSize: 10,
      leaseMs,
      now: Date.now,
      logger: pino({ level: 'silent' }),
    });
  /** The service's database, recording each UPDATE it runs. */
  const countingUpdates = () => {
    const statements: string[] = [];
    const db = t.service.database.db.withPlugin({
      transformQuery: ({ node }) => {
        if (node.kind === 'UpdateQueryNode') statements.push(node.kind);
        return node;
      },
      transformResult: async ({ result }) => result,
    });
    return { db, statements };
  };
  const sentAt = async (ids: string[]) =>
    (
      await t.service.database.db
        .selectFrom('outbox')
        .select('sent_at')
        .where('message_id', 'in', ids)
        .execute()
    ).map((row) => row.sent_at);

  it('holds no row lock and no transaction while the broker has not confirmed, and marks sent after the confirm', async () => {
    const ids = await addRows(3);
    const broker = heldBroker();
    const batch = relayOn(broker).publishBatch();
    await expect.poll(() => broker.waiting.length).toBe(3);

    // Another connection can lock the rows at once: the relay keeps no lock across the round trip.
    const locked = await t.service.database.db.transaction().execute(async (trx) => {
      const rows = await sql<{ id: number }>`select id from outbox where message_id in (${sql.join(ids)})
        for update nowait`.execute(trx);
      return rows.rows.length;
    });
    expect(locked).toBe(3);
    expect(await sentAt(ids)).toEqual([null, null, null]);

    for (const held of broker.waiting) held.confirm();
    await batch;
    expect((await sentAt(ids)).every((value) => typeof value === 'number')).toBe(true);
  });

  it('lets a second relay skip rows another claimed, and take them once the claim expired', async () => {
    await t.service.database.db.deleteFrom('outbox').execute();
    const ids = await addRows(2);
    const first = heldBroker();
    const dying = relayOn(first, 1_000).publishBatch();
    await expect.poll(() => first.waiting.length).toBe(2);

    const published: string[] = [];
    const relay = relayOn({
      waiting: [],
      isConnected: () => true,
      publish: async (message) => void published.push(message.envelope.messageId),
    });
    expect(await relay.publishBatch()).toBe(false);
    expect(published).toHaveLength(0);

    // The first relay "dies" (its confirms never come); after the lease the second sends the rows.
    await expect
      .poll(
        async () => {
          await relay.publishBatch();
          return (await sentAt(ids)).every((value) => typeof value === 'number');
        },
        { timeout: 10_000, interval: 200 },
      )
      .toBe(true);
    expect(published.sort()).toEqual([...ids].sort());
    for (const held of first.waiting) held.refuse(new Error('relay died'));
    await dying;
  });

  it('releases the rows of a refused publish for the next poll and counts the attempt', async () => {
    await t.service.database.db.deleteFrom('outbox').execute();
    const [id] = await addRows(1);
    const broker = heldBroker();
    const batch = relayOn(broker).publishBatch();
    await expect.poll(() => broker.waiting.length).toBe(1);
    broker.waiting[0]?.refuse(new Error('channel closed'));
    expect(await batch).toBe(false);
    const row = await t.service.database.db
      .selectFrom('outbox')
      .select(['sent_at', 'claimed_until', 'attempts', 'last_error'])
      .where('message_id', '=', id as string)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ sent_at: null, claimed_until: null, attempts: 1 });
    expect(row.last_error).toMatch(/channel closed/);
  });

  it('marks the rows of confirms that arrive together sent with one statement', async () => {
    await t.service.database.db.deleteFrom('outbox').execute();
    const ids = await addRows(6);
    const { db, statements } = countingUpdates();
    const broker = heldBroker();
    const relay = relayOn(broker, 60_000, db);
    // Three commits' fast paths, two messages each, whose confirms the broker sends back at once.
    for (let i = 0; i < ids.length; i += 2) relay.publishCommitted(await messagesOf(ids.slice(i, i + 2)));
    await expect.poll(() => broker.waiting.length).toBe(6);
    for (const { confirm } of broker.waiting) confirm();
    await relay.drain();

    expect(await sentAt(ids)).not.toContain(null);
    expect(statements).toHaveLength(1);
  });

  it('marks confirms that arrive a few milliseconds apart sent with one statement too', async () => {
    await t.service.database.db.deleteFrom('outbox').execute();
    const ids = await addRows(4);
    const { db, statements } = countingUpdates();
    const broker = heldBroker();
    const relay = relayOn(broker, 60_000, db);
    for (const id of ids) relay.publishCommitted(await messagesOf([id]));
    await expect.poll(() => broker.waiting.length).toBe(4);
    // Two confirms, then two more 5 ms later: separate turns of the event loop.
    const [first, second, ...rest] = broker.waiting;
    first?.confirm();
    second?.confirm();
    await new Promise((resolve) => setTimeout(resolve, 5));
    for (const { confirm } of rest) confirm();
    await relay.drain();

    expect(await sentAt(ids)).not.toContain(null);
    expect(statements).toHaveLength(1);
  });

  const messagesOf = async (ids: string[]): Promise<RoutedMessage[]> =>
    (
      await t.service.database.db
        .selectFrom('outbox')
        .select(['exchange', 'routing_key', 'body'])
        .where('message_id', 'in', ids)
        .execute()
    ).map((row) => ({ exchange: row.exchange, routingKey: row.routing_key, envelope: JSON.parse(row.body) }));
});
