import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { housekeeping } from '../../../src/infrastructure/db/housekeeping.js';
import { requireMariaDb } from '../../support/services.js';
import { startTestService, type TestService } from '../../support/test-service.js';

const mariaDb = await requireMariaDb();
const hour = 3_600_000;
const now = Date.parse('2026-11-25T12:00:00Z');

describe.each([
  ['sqlite', true],
  ['mysql', mariaDb],
] as const)('housekeeping on %s', (kind, available) => {
  let t: TestService;
  beforeAll(async () => {
    if (available) t = await startTestService(kind, {}, { background: false });
  });
  afterAll(async () => t?.stop());

  const outboxRow = (id: string, sentAt: number | null) => ({
    message_id: id,
    exchange: 'orders.events',
    routing_key: 'order.created',
    type: 'order.created',
    correlation_id: id,
    body: '{}',
    created_at: now - 10 * hour,
    sent_at: sentAt,
    last_error: null,
  });

  it.skipIf(!available)(
    'deletes only what outlived its retention, in bounded batches, and never an unsent message',
    async () => {
      const { db } = t.service.database;
      await db
        .insertInto('outbox')
        .values([
          outboxRow('00000000-0000-7000-8000-000000000001', now - 2 * hour),
          outboxRow('00000000-0000-7000-8000-000000000002', now - 3 * hour),
          outboxRow('00000000-0000-7000-8000-000000000003', now - 10_000),
          outboxRow('00000000-0000-7000-8000-000000000004', null),
        ])
        .execute();
      await db
        .insertInto('inbox')
        .values([
          {
            message_id: '00000000-0000-7000-8000-000000000011',
            type: 'payment.succeeded',
            processed_at: now - 8 * 24 * hour,
          },
          {
            message_id: '00000000-0000-7000-8000-000000000012',
            type: 'payment.succeeded',
            processed_at: now - hour,
          },
        ])
        .execute();
      await db
        .insertInto('idempotency_keys')
        .values(
          [25, 1].map((ageHours, index) => ({
            scope: 'c-1',
            idempotency_key: `key-${index}`,
            request_hash: 'h'.repeat(64),
            status_code: 201,
            response_body: '{}',
            order_id: '00000000-0000-7000-8000-000000000021',
            created_at: now - ageHours * hour,
          })),
        )
        .execute();

      const purge = housekeeping({
        db,
        dialect: t.service.database.dialect,
        now: () => now,
        retention: { sentOutboxMs: hour, inboxMs: 7 * 24 * hour, idempotencyKeysMs: 24 * hour },
        batchSize: 1,
      });
      expect(await purge()).toBe(true);
      expect(await purge()).toBe(true);
      expect(await purge()).toBe(false);

      const outbox = await db.selectFrom('outbox').select('message_id').orderBy('message_id').execute();
      expect(outbox.map((row) => row.message_id.slice(-1))).toEqual(['3', '4']);
      const inbox = await db.selectFrom('inbox').select('message_id').execute();
      expect(inbox.map((row) => row.message_id.slice(-2))).toEqual(['12']);
      const keys = await db.selectFrom('idempotency_keys').select('idempotency_key').execute();
      expect(keys.map((row) => row.idempotency_key)).toEqual(['key-1']);
    },
  );
});
