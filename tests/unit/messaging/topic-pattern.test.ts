import { describe, expect, it } from 'vitest';
import { topicMatches } from '../../../src/infrastructure/messaging/topic-pattern.js';

describe('topicMatches', () => {
  it.each([
    ['inventory.reserve', 'inventory.reserve'],
    ['inventory.*', 'inventory.reserve'],
    ['*.reserve', 'inventory.reserve'],
    ['inventory.#', 'inventory.reserve'],
    ['inventory.#', 'inventory'],
    ['inventory.#', 'inventory.a.b.c'],
    ['#', 'payment.failed'],
    ['#', ''],
    ['#.failed', 'payment.failed'],
    ['order.#.changed', 'order.changed'],
    ['order.#.changed', 'order.status.changed'],
    ['order.*.#', 'order.created'],
  ])('pattern %s matches %s', (pattern, key) => {
    expect(topicMatches(pattern, key)).toBe(true);
  });

  it.each([
    ['inventory.reserve', 'inventory.release'],
    ['inventory.*', 'inventory'],
    ['inventory.*', 'inventory.reserve.now'],
    ['inventory.#', 'payment.process'],
    ['inventory.#', 'inventoryx.reserve'],
    ['*', ''],
    ['*.*', 'order'],
    ['order.#.changed', 'order.changed.not'],
  ])('pattern %s does not match %s', (pattern, key) => {
    expect(topicMatches(pattern, key)).toBe(false);
  });
});
