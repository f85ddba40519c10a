import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UnitOfWork } from '../../../src/application/ports.js';
import type { DatabaseHandle } from '../../../src/infrastructure/db/connection.js';
import { migrateToLatest } from '../../../src/infrastructure/db/migrate.js';
import { createUnitOfWork } from '../../../src/infrastructure/db/unit-of-work.js';
import { connectTestDatabase } from '../../support/database.js';
import { requireMariaDb } from '../../support/services.js';

const available = await requireMariaDb();

describe.each(['sqlite', 'mysql'] as const)('the inbox on %s', (dialect) => {
  const skip = dialect === 'mysql' && !available;
  let connection: Awaited<ReturnType<typeof connectTestDatabase>> | undefined;
  let handle: DatabaseHandle;
  let uow: UnitOfWork;
  const recorded = async (messageId: string) =>
    (await handle.db.selectFrom('inbox').select('type').where('message_id', '=', messageId).execute()).map(
      (row) => row.type,
    );

  beforeAll(async () => {
    if (skip) return;
    connection = await connectTestDatabase(dialect);
    handle = connection.handle;
    await migrateToLatest(handle);
    uow = createUnitOfWork({
      db: handle.db,
      dialect: handle.dialect,
      now: Date.now,
      eventMessages: () => [],
    });
  });
  afterAll(async () => connection?.close());

  it.skipIf(skip)('records a message once and tells a second copy apart', async () => {
    const messageId = randomUUID();
    const mark = () =>
      uow.run((repositories) => repositories.inbox.markProcessed(messageId, 'payment.succeeded'));
    expect(await mark()).toBe(true);
    expect(await mark()).toBe(false);
    expect(await recorded(messageId)).toEqual(['payment.succeeded']);
  });

  it.skipIf(skip)('tells the copy apart within one transaction, sent ahead of a read', async () => {
    const messageId = randomUUID();
    const [first, second] = await uow.run(async (repositories) => {
      const once = await Promise.all([
        repositories.inbox.markProcessed(messageId, 'inventory.reserved'),
        repositories.orders.findByIdForUpdate(randomUUID()),
      ]);
      const twice = await Promise.all([
        repositories.inbox.markProcessed(messageId, 'inventory.reserved'),
        repositories.orders.findByIdForUpdate(randomUUID()),
      ]);
      return [once[0], twice[0]];
    });
    expect([first, second]).toEqual([true, false]);
    expect(await recorded(messageId)).toEqual(['inventory.reserved']);
  });

  it.skipIf(skip)('refuses an id longer than a UUID rather than record a cut-down one', async () => {
    const messageId = `${randomUUID()}-and-more`;
    await expect(
      uow.run((repositories) => repositories.inbox.markProcessed(messageId, 'payment.succeeded')),
    ).rejects.toThrow(/not a UUID/);
    const cut = await handle.db
      .selectFrom('inbox')
      .select('message_id')
      .where('message_id', 'like', `${messageId.slice(0, 36)}%`)
      .execute();
    expect(cut).toEqual([]);
  });
});
