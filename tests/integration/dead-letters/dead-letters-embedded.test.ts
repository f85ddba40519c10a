import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePrometheusText } from '../../support/prometheus-text.js';
import { startTestService, type TestService } from '../../support/test-service.js';
import { deadLetterApi, outboxRowsFor, poisonReply, waitForLetter } from './dead-letter-kit.js';

/**
 * Embedded shape: SQLite and the in-process bus. The outbox relay does not run here
 * (background: false), so a replayed message stays in the outbox where the test can count it.
 */
describe('dead letters as data on SQLite and the in-process bus', () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService(
      'sqlite',
      { MESSAGE_MAX_ATTEMPTS: '1', RATE_LIMIT_MAX: '0' },
      { background: false },
    );
  });
  afterAll(() => t.stop());

  const storedPoison = async () => {
    const poison = poisonReply();
    await t.service.bus.publish(poison);
    const letter = await waitForLetter(t, poison.envelope.messageId);
    return { poison, letter };
  };

  it('stores a poison message with its error, queue and route, and lists it to an admin', async () => {
    const { letter } = await storedPoison();
    expect(letter).toMatchObject({
      status: 'pending',
      attempts: 1,
      queue: 'order-service.replies',
      exchange: 'orders.replies',
      routingKey: 'inventory.exploded',
    });
    expect(letter.error).toMatch(/Not a reply this service understands/);
  });

  it('keeps one row for a message dead-lettered twice and bumps its attempts', async () => {
    const { poison } = await storedPoison();
    await t.service.bus.publish(poison);
    const api = deadLetterApi(t);
    await expect
      .poll(
        async () =>
          (await api.items()).find((item) => item.messageId === poison.envelope.messageId)?.attempts,
        {
          timeout: 10_000,
        },
      )
      .toBe(2);
    expect((await api.items()).filter((item) => item.messageId === poison.envelope.messageId)).toHaveLength(
      1,
    );
  });

  it('replays a dead letter into the outbox exactly once; a second replay is a 409', async () => {
    const { poison, letter } = await storedPoison();
    const api = deadLetterApi(t);
    const first = await api.replay(letter.id);
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ status: 'replayed' });
    const second = await api.replay(letter.id);
    expect(second.statusCode).toBe(409);
    expect(second.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(second.json().detail).toMatch(/already replayed/);
    expect(await outboxRowsFor(t, poison.envelope.messageId)).toBe(1);
    const audit = await t.service.database.db
      .selectFrom('dead_letter_audit')
      .selectAll()
      .where('dead_letter_id', '=', letter.id)
      .execute();
    expect(audit).toMatchObject([{ action: 'replay', actor: 'ops' }]);
  });

  it('discards a dead letter, keeps it in the audit log and leaves the pending list', async () => {
    const { letter } = await storedPoison();
    const api = deadLetterApi(t);
    const discarded = await api.discard(letter.id);
    expect(discarded.statusCode).toBe(200);
    expect(discarded.json().status).toBe('discarded');
    expect((await api.items('?status=pending')).map((item) => item.id)).not.toContain(letter.id);
    expect((await api.replay(letter.id)).statusCode).toBe(409);
    const audit = await t.service.database.db
      .selectFrom('dead_letter_audit')
      .select(['action', 'actor'])
      .where('dead_letter_id', '=', letter.id)
      .execute();
    expect(audit).toEqual([{ action: 'discard', actor: 'ops' }]);
  });

  it('refuses the dead-letter API to non-admins with 403 and changes nothing', async () => {
    const { letter } = await storedPoison();
    for (const roles of [['service'], ['customer']] as const) {
      const api = deadLetterApi(t, 'someone', [...roles]);
      expect((await api.list()).statusCode).toBe(403);
      expect((await api.replay(letter.id)).statusCode).toBe(403);
      expect((await api.discard(letter.id)).statusCode).toBe(403);
    }
    expect((await deadLetterApi(t).items()).find((item) => item.id === letter.id)?.status).toBe('pending');
  });

  it('answers 404 for an unknown dead letter', async () => {
    const response = await deadLetterApi(t).replay('0193a000-0000-7000-8000-000000000000');
    expect(response.statusCode).toBe(404);
  });

  it('counts dead letters in dead_letters_total and pending ones in dead_letters_pending', async () => {
    await storedPoison();
    const metrics = parsePrometheusText((await t.service.app.inject({ url: '/metrics' })).body);
    const total = metrics.get('dead_letters_total')?.samples[0]?.value ?? 0;
    const pending = metrics.get('dead_letters_pending')?.samples[0]?.value ?? 0;
    const stored = await deadLetterApi(t).list('?status=pending&limit=1');
    expect(total).toBeGreaterThanOrEqual(1);
    expect(pending).toBe(stored.json().total);
  });
});
