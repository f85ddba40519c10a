import { describe, expect, it } from 'vitest';
import type { Reply } from '../../../src/application/messaging/contract.js';
import {
  purgeOldReplies,
  replyLedger,
  replyRetentionMs,
} from '../../../src/infrastructure/participants/ledger.js';
import { participantStore } from '../../support/participant-store.js';

describe('participant reply ledger', () => {
  it('forgets replies older than the retention and keeps newer ones', async () => {
    const store = await participantStore();
    const now = 10 * replyRetentionMs;
    const reply = { messageId: 'r-1', type: 'inventory.released' } as unknown as Reply;
    await replyLedger('inventory', () => now - replyRetentionMs - 1)
      .recordingOf(store.db, 'cmd-old', reply)
      .execute();
    await replyLedger('inventory', () => now - 1_000)
      .recordingOf(store.db, 'cmd-new', reply)
      .execute();

    expect(await purgeOldReplies(store, () => now)()).toBe(false);

    const ledger = replyLedger('inventory');
    expect(await ledger.find(store.db, 'cmd-old')).toBeUndefined();
    expect(await ledger.find(store.db, 'cmd-new')).toEqual(reply);
    await store.close();
  });
});
