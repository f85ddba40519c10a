import { v7 as uuidv7 } from 'uuid';
import { vi } from 'vitest';
import type { RoutedMessage } from '../../../src/application/messaging/contract.js';
import { topology } from '../../../src/application/messaging/contract.js';
import type { TestService } from '../../support/test-service.js';

/** A reply of a type the saga does not understand: its handler throws on every delivery. */
export function poisonReply(messageId = uuidv7()): RoutedMessage {
  return {
    exchange: topology.repliesExchange,
    routingKey: 'inventory.exploded',
    envelope: {
      messageId,
      type: 'inventory.exploded',
      correlationId: uuidv7(),
      causationId: null,
      occurredAt: new Date().toISOString(),
      payload: {},
    },
  };
}

export interface DeadLetterJson {
  id: string;
  messageId: string;
  status: string;
  attempts: number;
  error: string;
  queue: string;
  exchange: string;
  routingKey: string;
}

/** The admin dead-letter API over `inject`, as `subject` with `roles`. */
export function deadLetterApi(
  t: TestService,
  subject = 'ops',
  roles: ('admin' | 'service' | 'customer')[] = ['admin'],
) {
  const call = async (method: 'GET' | 'POST' | 'DELETE', url: string) =>
    t.service.app.inject({ method, url, headers: { authorization: await t.bearer(subject, roles) } });
  return {
    list: (query = '') => call('GET', `/api/admin/dead-letters${query}`),
    async items(query = ''): Promise<DeadLetterJson[]> {
      const response = await call('GET', `/api/admin/dead-letters${query}`);
      if (response.statusCode !== 200)
        throw new Error(`dead-letter list answered ${response.statusCode}: ${response.body}`);
      return response.json().items;
    },
    replay: (id: string) => call('POST', `/api/admin/dead-letters/${id}/replay`),
    discard: (id: string) => call('DELETE', `/api/admin/dead-letters/${id}`),
  };
}

export async function outboxRowsFor(t: TestService, messageId: string): Promise<number> {
  const rows = await t.service.database.db
    .selectFrom('outbox')
    .select('id')
    .where('message_id', '=', messageId)
    .execute();
  return rows.length;
}

/** Waits until the dead letter of `messageId` is listed (optionally with `attempts`), and returns it. */
export function waitForLetter(t: TestService, messageId: string, attempts?: number): Promise<DeadLetterJson> {
  return vi.waitFor(
    async () => {
      const letter = (await deadLetterApi(t).items()).find((item) => item.messageId === messageId);
      if (!letter || (attempts !== undefined && letter.attempts < attempts))
        throw new Error(`dead letter ${messageId} not stored (yet)`);
      return letter;
    },
    { timeout: 15_000, interval: 50 },
  );
}
