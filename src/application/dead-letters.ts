import { Forbidden } from '../domain/errors.js';
import type { Principal } from './access.js';

export const deadLetterStatuses = ['pending', 'replayed', 'discarded'] as const;
export type DeadLetterStatus = (typeof deadLetterStatuses)[number];

/** A stored dead letter, as the admin API shows it. */
export interface DeadLetterView {
  id: string;
  messageId: string;
  type: string | null;
  exchange: string;
  routingKey: string;
  queue: string;
  headers: Record<string, unknown>;
  body: string;
  error: string;
  attempts: number;
  firstSeenAt: string;
  lastSeenAt: string;
  status: DeadLetterStatus;
  replayedAt: string | null;
}

export interface DeadLetterPage {
  items: DeadLetterView[];
  page: number;
  limit: number;
  total: number;
}

/** The port the use cases need; src/infrastructure/db/dead-letter-store.ts implements it. */
export interface DeadLetterStore {
  list(query: { status?: DeadLetterStatus; page: number; limit: number }): Promise<DeadLetterPage>;
  /** Puts the message back in the outbox and marks the letter replayed, in one transaction. */
  replay(id: string, actor: string): Promise<DeadLetterView>;
  discard(id: string, actor: string): Promise<DeadLetterView>;
}

function assertAdmin(principal: Principal): void {
  if (!principal.roles.includes('admin')) throw new Forbidden('Only an admin may manage dead letters');
}

/** Admin-only use cases over dead letters; `onReplayed` lets the relay publish without waiting for its poll. */
export function deadLetterHandlers(store: DeadLetterStore, onReplayed: () => void = () => {}) {
  return {
    list(principal: Principal, query: { status?: DeadLetterStatus; page?: number; limit?: number }) {
      assertAdmin(principal);
      return store.list({ status: query.status, page: query.page ?? 1, limit: query.limit ?? 20 });
    },
    async replay(principal: Principal, id: string) {
      assertAdmin(principal);
      const letter = await store.replay(id, principal.subject);
      onReplayed();
      return letter;
    },
    discard(principal: Principal, id: string) {
      assertAdmin(principal);
      return store.discard(id, principal.subject);
    },
  };
}

export type DeadLetterHandlers = ReturnType<typeof deadLetterHandlers>;
