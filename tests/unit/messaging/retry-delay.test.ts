import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { topology } from '../../../src/application/messaging/contract.js';
import { createInProcessBus } from '../../../src/infrastructure/messaging/in-process-bus.js';
import { retryDelayMs } from '../../../src/infrastructure/messaging/retry-delay.js';

describe('retry delays', () => {
  it('grow fourfold per attempt from the base, up to 10 s', () => {
    expect([1, 2, 3, 4, 5].map((attempt) => retryDelayMs(attempt, 250))).toEqual([
      250, 1000, 4000, 10_000, 10_000,
    ]);
  });

  it('hold a failed delivery back before it is tried again', async () => {
    const bus = createInProcessBus({
      maxAttempts: 2,
      retryBaseDelayMs: 150,
      logger: pino({ level: 'silent' }),
    });
    const deliveredAt: number[] = [];
    bus.consume(topology.replyQueue, async () => {
      deliveredAt.push(performance.now());
      if (deliveredAt.length === 1) throw new Error('transient');
    });
    await bus.publish({
      exchange: topology.repliesExchange,
      routingKey: 'payment.failed',
      envelope: {
        messageId: 'm-1',
        type: 'payment.failed',
        correlationId: 'o-1',
        causationId: null,
        occurredAt: new Date().toISOString(),
        payload: { orderId: 'o-1', reason: 'x' },
      },
    });
    await expect.poll(() => deliveredAt.length).toBe(2);
    expect((deliveredAt[1] ?? 0) - (deliveredAt[0] ?? 0)).toBeGreaterThanOrEqual(140);
    await bus.close();
  });
});
