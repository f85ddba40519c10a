import type { Connection } from 'rabbitmq-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topology } from '../../../src/application/messaging/contract.js';
import { requireMariaDb, requireRabbitMq } from '../../support/services.js';
import { startTestService, type TestService } from '../../support/test-service.js';
import { adminConnection, deleteTopology, getAll, uniquePrefix, waitFor } from '../messaging/rabbitmq-kit.js';
import { deadLetterApi, outboxRowsFor, poisonReply, waitForLetter } from './dead-letter-kit.js';

const available = (await requireMariaDb()) && (await requireRabbitMq());

/** Connected shape: the dead-letter queue on RabbitMQ is consumed into MariaDB's dead_letters table. */
describe.skipIf(!available)('dead letters as data on MariaDB and RabbitMQ', () => {
  let admin: Connection;
  let t: TestService;
  const prefix = uniquePrefix();
  const tap = `${prefix}test.reply-tap`;

  beforeAll(async () => {
    admin = adminConnection();
    t = await startTestService('mysql', {
      RABBITMQ_HOST: process.env.RABBITMQ_HOST || '127.0.0.1',
      RABBITMQ_NAME_PREFIX: prefix,
      SIMULATORS_EMBEDDED: 'true',
      MESSAGE_MAX_ATTEMPTS: '2',
      OUTBOX_POLL_MS: '50',
      RATE_LIMIT_MAX: '0',
    });
  });
  afterAll(async () => {
    await t.stop();
    await admin.queueDelete({ queue: tap });
    await deleteTopology(admin, prefix);
    await admin.close();
  });

  it('stores a poison message from the dead-letter queue, replays it once to the broker, then discards it', async () => {
    const poison = poisonReply();
    const { messageId } = poison.envelope;
    await t.service.bus.publish(poison);
    const letter = await waitForLetter(t, messageId);
    expect(letter).toMatchObject({
      status: 'pending',
      attempts: 2,
      queue: topology.replyQueue,
      exchange: topology.repliesExchange,
      routingKey: 'inventory.exploded',
    });
    expect(letter.error).toMatch(/Not a reply this service understands/);
    // The dead-letter queue itself is left empty: the letter was acknowledged after it was stored.
    expect(await getAll(admin, `${prefix}${topology.deadLetterQueue}`)).toHaveLength(0);

    // A tap on the replies exchange sees what the replay publishes.
    await admin.queueDeclare({ queue: tap, durable: false });
    await admin.queueBind({ queue: tap, exchange: `${prefix}${topology.repliesExchange}`, routingKey: '#' });

    const api = deadLetterApi(t);
    const answers = await Promise.all([api.replay(letter.id), api.replay(letter.id)]);
    expect(answers.map((answer) => answer.statusCode).sort()).toEqual([200, 409]);
    expect(await outboxRowsFor(t, messageId)).toBe(1);

    const seen: string[] = [];
    await waitFor(async () => {
      seen.push(
        ...(await getAll(admin, tap)).map((message) => (message.body as { messageId: string }).messageId),
      );
      return seen.length >= 1;
    }, 15_000);
    // Still poison: it is dead-lettered again, which bumps the same row back to pending.
    const again = await waitForLetter(t, messageId, 4);
    seen.push(
      ...(await getAll(admin, tap)).map((message) => (message.body as { messageId: string }).messageId),
    );
    expect(seen).toEqual([messageId]);
    expect(again).toMatchObject({ id: letter.id, status: 'pending' });

    const discarded = await api.discard(letter.id);
    expect(discarded.statusCode).toBe(200);
    expect((await api.items('?status=pending')).map((item) => item.id)).not.toContain(letter.id);
    const audit = await t.service.database.db
      .selectFrom('dead_letter_audit')
      .select(['action', 'actor'])
      .where('dead_letter_id', '=', letter.id)
      .orderBy('id')
      .execute();
    expect(audit).toEqual([
      { action: 'replay', actor: 'ops' },
      { action: 'discard', actor: 'ops' },
    ]);
  });
});
