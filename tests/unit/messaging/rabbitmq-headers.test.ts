import type { AsyncMessage } from 'rabbitmq-client';
import { describe, expect, it } from 'vitest';
import { attemptOf, copyHeaders, originOf } from '../../../src/infrastructure/messaging/rabbitmq-headers.js';

const aMessage = (overrides: Partial<AsyncMessage> = {}): AsyncMessage => ({
  consumerTag: 'c',
  deliveryTag: 1,
  exchange: 'orders.commands',
  routingKey: 'inventory.reserve',
  redelivered: false,
  body: {},
  ...overrides,
});

describe('attempt counting', () => {
  it('counts a fresh message as the first attempt', () => {
    expect(attemptOf(aMessage())).toBe(1);
  });

  it('adds the attempts a retried copy carries to the broker redeliveries of that copy', () => {
    expect(
      attemptOf(aMessage({ redelivered: true, headers: { 'x-attempts': 2, 'x-delivery-count': 1 } })),
    ).toBe(4);
  });

  it('counts a redelivery the broker did not number (classic queues, nack on RabbitMQ 4.3)', () => {
    expect(attemptOf(aMessage({ redelivered: true }))).toBe(2);
  });
});

describe('copies of a message', () => {
  it('remember where the original was published and drop the broker bookkeeping', () => {
    const original = aMessage({ headers: { 'x-delivery-count': 3, 'x-death': [], tenant: 't-1' } });

    const copied = copyHeaders(original, { 'x-attempts': 4 });

    expect(copied).toEqual({
      tenant: 't-1',
      'x-original-exchange': 'orders.commands',
      'x-original-routing-key': 'inventory.reserve',
      'x-attempts': 4,
    });
    expect(originOf(aMessage({ exchange: '', routingKey: 'inventory.commands', headers: copied }))).toEqual({
      exchange: 'orders.commands',
      routingKey: 'inventory.reserve',
    });
  });
});
